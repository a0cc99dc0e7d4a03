/**
 * lexi-sim throughput: non-stream chat completions per second with zero latency, on loopback.
 * The simulator runs as a child process (its own core); undici drives it from this process.
 *
 *   npx tsx bench/sim-throughput.bench.ts [--connections 64] [--seconds 10] [--warmup 2]
 *
 * Last line: `sim-throughput ratio=X` with X = achieved rps / 2000 (the target).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'

const TARGET_RPS = 2000
const { values } = parseArgs({ options: { connections: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' } } })
const connections = Number(values.connections ?? 64)
const seconds = Number(values.seconds ?? 10)
const warmup = Number(values.warmup ?? 2)
const cli = fileURLToPath(new URL('../tools/lexi-sim/src/cli.ts', import.meta.url))

const child = spawn(process.execPath, [...process.execArgv, cli, '--port', '0', '--time-scale', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] })
const url = await new Promise<string>((resolve, reject) => {
  let out = ''
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString()
    const m = /listening on (http:\/\/\S+)\/v1/.exec(out)
    if (m?.[1] !== undefined) resolve(m[1])
  })
  child.once('exit', (code) => reject(new Error(`lexi-sim exited with ${code} before listening`)))
})

const body = JSON.stringify({
  model: 'Lexi',
  messages: [{ role: 'system', content: 'You are a trading assistant.' }, { role: 'user', content: 'Summarise AAPL momentum in one paragraph.' }],
  temperature: 0,
  top_p: 1,
  max_tokens: 128,
})
const pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 4_000 })

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function drive (ms: number): Promise<{ ok: number, failed: number, latencies: number[] }> {
  const end = performance.now() + ms
  const latencies: number[] = []
  let ok = 0
  let failed = 0
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now()
      try {
        const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body })
        await res.body.text()
        if (res.statusCode === 200) ok++
        else failed++
      } catch { failed++ }
      latencies.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  return { ok, failed, latencies }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0
}

try {
  await drive(warmup * 1000)
  const cpu0 = cpuSeconds(child.pid as number)
  const t0 = performance.now()
  const r = await drive(seconds * 1000)
  const elapsed = (performance.now() - t0) / 1000
  const simCpu = (cpuSeconds(child.pid as number) - cpu0) / elapsed
  const rps = r.ok / elapsed
  const stats = await (await fetch(`${url}/sim/stats`)).json() as { requests: number, completed: number }
  console.table([{
    connections,
    seconds: Number(elapsed.toFixed(2)),
    ok: r.ok,
    failed: r.failed,
    'rps': Math.round(rps),
    'p50 ms': Number(pct(r.latencies, 50).toFixed(2)),
    'p99 ms': Number(pct(r.latencies, 99).toFixed(2)),
    'sim cpu (cores)': Number(simCpu.toFixed(2)),
    'sim completed': stats.completed,
  }])
  console.log(`sim-throughput ratio=${(rps / TARGET_RPS).toFixed(3)}`)
} finally {
  await pool.close()
  child.kill('SIGTERM')
}
