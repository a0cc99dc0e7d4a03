import { Pool } from 'undici'
import { startLexiSim } from './src/index'
const sim = await startLexiSim({ port: 0, timeScale: 0 })
const body = JSON.stringify({
  model: 'Lexi',
  messages: [
    { role: 'system', content: 'You are a trading assistant.' },
    { role: 'user', content: 'Summarise AAPL momentum in one paragraph.' },
  ],
  temperature: 0,
  top_p: 1,
  max_tokens: 128,
})
const pool = new Pool(sim.url, { connections: 32 })
const end = performance.now() + 6000
let n = 0
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (performance.now() < end) {
      const r = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body })
      await r.body.text()
      n++
    }
  }),
)
console.log('rps', n / 6)
const m = await (await fetch(sim.url + '/metrics')).text()
console.log(
  m
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('vllm:inter_token_latency_seconds_count') ||
        l.startsWith('vllm:e2e_request_latency_seconds_bucket{model_name="Lexi",engine="0",le="0.3"}'),
    )
    .join('\n'),
)
await pool.close()
await sim.close()
