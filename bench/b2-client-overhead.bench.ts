/**
 * B2 client overhead: sequential chat completions through the libs/llm client (SDK, slots,
 * deadline, retry layer, breaker, metrics, logging) vs the same requests sent with a bare
 * `undici.request`, both against a zero-latency lexi-sim in its own process. The two sides run in
 * alternating blocks so a change of machine load hits both alike. ratio = median(client) / median(raw).
 *
 *   npx tsx bench/b2-client-overhead.bench.ts [--calls 5000] [--blocks 10] [--warmup 300]
 *
 * Last line: `b2-client-overhead ratio=X` (target <= 1.15).
 */
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { request } from 'undici'
import { createLlmClient, type ChatMessage, type Sampling } from '@pulsetrade/llm'
import { reportBench, round } from './kit/bench-report'
import { startSimProcess } from './kit/lexi-sim-process'
import { machineInfo } from './kit/machine'
import { percentile } from '@pulsetrade/llm-eval/percentile'

const { values } = parseArgs({ options: { calls: { type: 'string' }, blocks: { type: 'string' }, warmup: { type: 'string' } } })
const calls = Number(values.calls ?? 5000)
const blocks = Number(values.blocks ?? 10)
const warmup = Number(values.warmup ?? 300)
const perBlock = Math.ceil(calls / blocks)

const sampling: Sampling = { temperature: 0.2, top_p: 0.9, max_tokens: 64 }
const messagesOf = (i: number): ChatMessage[] => [
  { role: 'system', content: 'You are a trading assistant. Answer in one short paragraph.' },
  { role: 'user', content: `Summarise the momentum of SPX for bar ${i}: ret_5 0.012, vol_20 0.18, rsi_14 61.` },
]

const machine = machineInfo()
const sim = await startSimProcess(['--fixed-latency-ms', '0'])
const baseURL = `${sim.url}/v1`
const client = createLlmClient({ baseURL, logger: pino({ level: 'silent' }) })

interface Side {
  name: string
  call: (i: number) => Promise<string>
  latencies: number[]
  cpuMicros: number
}

const viaClient: Side = {
  name: 'libs/llm client.chat()',
  call: async (i) => (await client.chat({ messages: messagesOf(i), sampling })).text,
  latencies: [],
  cpuMicros: 0,
}
const viaRaw: Side = {
  name: 'raw undici.request',
  call: async (i) => {
    const res = await request(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer EMPTY', 'x-request-id': randomUUID() },
      body: JSON.stringify({ model: 'Lexi', messages: messagesOf(i), ...sampling }),
    })
    const body = (await res.body.json()) as { choices: Array<{ message: { content: string } }> }
    if (res.statusCode !== 200) throw new Error(`raw request answered ${res.statusCode}`)
    return body.choices[0]?.message.content ?? ''
  },
  latencies: [],
  cpuMicros: 0,
}

async function runBlock(side: Side, from: number, n: number, record: boolean): Promise<void> {
  const cpu0 = process.cpuUsage()
  for (let i = from; i < from + n; i++) {
    const t = performance.now()
    const text = await side.call(i)
    if (record) side.latencies.push(performance.now() - t)
    if (text === '') throw new Error(`${side.name}: empty answer`)
  }
  if (record) {
    const c = process.cpuUsage(cpu0)
    side.cpuMicros += c.user + c.system
  }
}

try {
  await runBlock(viaClient, 0, warmup, false)
  await runBlock(viaRaw, 0, warmup, false)
  for (let b = 0; b < blocks; b++) {
    const order = b % 2 === 0 ? [viaClient, viaRaw] : [viaRaw, viaClient]
    for (const side of order) await runBlock(side, warmup + b * perBlock, perBlock, true)
  }
  const row = (s: Side) => ({
    side: s.name,
    calls: s.latencies.length,
    'p50 ms': round(percentile(s.latencies, 50) ?? Number.NaN),
    'p90 ms': round(percentile(s.latencies, 90) ?? Number.NaN),
    'p99 ms': round(percentile(s.latencies, 99) ?? Number.NaN),
    'cpu ms/call': round(s.cpuMicros / 1000 / s.latencies.length),
  })
  const ratio = (percentile(viaClient.latencies, 50) ?? Number.NaN) / (percentile(viaRaw.latencies, 50) ?? Number.NaN)
  await reportBench(
    {
      name: 'b2-client-overhead',
      ratio,
      target: 1.15,
      better: 'lower',
      params: { calls, blocks, warmup, sampling, sim: 'fixed-latency-ms 0, own process' },
      rows: [row(viaClient), row(viaRaw)],
      notes: [`sequential calls in ${blocks} alternating blocks of ${perBlock}; the client has no db (no llm_cache, no llm_calls rows)`],
    },
    machine,
  )
} finally {
  await client.close()
  await sim.close()
}
