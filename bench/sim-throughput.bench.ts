/**
 * lexi-sim throughput: non-stream chat completions per second with zero latency, on loopback.
 * The simulator runs as a child process; undici drives it from `--clients` further child processes
 * (the load generator must not be what limits the figure).
 *
 *   npx tsx bench/sim-throughput.bench.ts [--connections 64] [--clients 2] [--seconds 10] [--warmup 2]
 *
 * Last line: `sim-throughput ratio=X` with X = achieved rps / 2000 (the target).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import { percentile } from '@pulsetrade/llm-eval/percentile'

const TARGET_RPS = 2000
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

interface DriveResult {
  ok: number
  failed: number
  latencies: number[]
}
interface Job {
  url: string
  connections: number
  warmupMs: number
  ms: number
}

/** Client process: warm up, wait for the go signal, then send back-to-back requests for `ms`. */
async function drive(job: Job): Promise<DriveResult> {
  const pool = new Pool(job.url, { connections: job.connections, pipelining: 1, keepAliveTimeout: 4_000 })
  const loop = async (ms: number, latencies: number[] | null): Promise<[number, number]> => {
    const end = performance.now() + ms
    let ok = 0
    let failed = 0
    await Promise.all(
      Array.from({ length: job.connections }, async () => {
        while (performance.now() < end) {
          const t = performance.now()
          try {
            const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body })
            await res.body.text()
            if (res.statusCode === 200) ok++
            else failed++
          } catch {
            failed++
          }
          latencies?.push(performance.now() - t)
        }
      }),
    )
    return [ok, failed]
  }
  await loop(job.warmupMs, null)
  process.send?.({ warm: true })
  await new Promise((resolve) => process.once('message', resolve))
  const latencies: number[] = []
  const [ok, failed] = await loop(job.ms, latencies)
  await pool.close()
  return { ok, failed, latencies }
}

if (process.argv[2] === '--drive') {
  const result = await drive(JSON.parse(process.argv[3] ?? '{}') as Job)
  process.send?.({ result }, () => process.exit(0))
} else {
  const { values } = parseArgs({
    options: { connections: { type: 'string' }, clients: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' } },
  })
  const connections = Number(values.connections ?? 64)
  const clients = Number(values.clients ?? 2)
  const seconds = Number(values.seconds ?? 10)
  const warmup = Number(values.warmup ?? 2)
  const cli = fileURLToPath(new URL('../tools/lexi-sim/src/cli.ts', import.meta.url))

  const child = spawn(process.execPath, [...process.execArgv, cli, '--port', '0', '--time-scale', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/\S+)\/v1/.exec(out)
      if (m?.[1] !== undefined) resolve(m[1])
    })
    child.once('exit', (code) => reject(new Error(`lexi-sim exited with ${code} before listening`)))
  })

  /** utime + stime of a process, in seconds (Linux /proc). */
  const cpuSeconds = (pid: number): number => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100
  }
  const pct = (xs: number[], p: number): number => percentile(xs, p) ?? 0

  try {
    const per = Math.max(1, Math.round(connections / clients))
    const job: Job = { url, connections: per, warmupMs: warmup * 1000, ms: seconds * 1000 }
    const workers = Array.from({ length: clients }, () =>
      spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--drive', JSON.stringify(job)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    )
    const results = workers.map(
      (w) =>
        new Promise<DriveResult>((resolve, reject) => {
          w.on('message', (m: { result?: DriveResult }) => {
            if (m.result) resolve(m.result)
          })
          w.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)))
        }),
    )
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))))
    const cpu0 = cpuSeconds(child.pid as number)
    const t0 = performance.now()
    for (const w of workers) w.send('go')
    const all = await Promise.all(results)
    const elapsed = (performance.now() - t0) / 1000
    const simCpu = (cpuSeconds(child.pid as number) - cpu0) / elapsed
    const ok = all.reduce((n, r) => n + r.ok, 0)
    const failed = all.reduce((n, r) => n + r.failed, 0)
    const latencies = all.flatMap((r) => r.latencies)
    const rps = ok / elapsed
    const stats = (await (await fetch(`${url}/sim/stats`)).json()) as { completed: number }
    console.table([
      {
        connections: per * clients,
        clients,
        seconds: Number(elapsed.toFixed(2)),
        ok,
        failed,
        rps: Math.round(rps),
        'p50 ms': Number(pct(latencies, 50).toFixed(2)),
        'p99 ms': Number(pct(latencies, 99).toFixed(2)),
        'sim cpu (cores)': Number(simCpu.toFixed(2)),
        'sim cpu µs/req': Math.round((simCpu * 1e6) / Math.max(1, rps)),
        'sim completed': stats.completed,
        'load avg': Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
      },
    ])
    console.log(`sim-throughput ratio=${(rps / TARGET_RPS).toFixed(3)}`)
  } finally {
    child.kill('SIGTERM')
  }
}
