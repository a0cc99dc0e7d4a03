/**
 * On-demand benchmark (not a test): how close the forecast worker gets to the LLM-bound ideal.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx services/forecast/test/bench-throughput.ts [bars] [latencyMs]
 *
 * Starts lexi-sim with a fixed per-request latency and 64 sequence slots, so the best possible
 * rate is 64 / latency requests per second, i.e. 32 / latency bars per second (two calls per bar).
 * Loads `bars` eligible S&P 500 bars into a scratch database, runs one worker with the production
 * composition and prints achieved / ideal. Uses DATABASE_URL as the admin connection.
 */
import pino from 'pino'
import { Registry } from 'prom-client'
import { createPool, migrate } from '@pulsetrade/db'
import { createDatabase, dropDatabase } from '@pulsetrade/db/testing'
import { startLexiSim } from '@pulsetrade/lexi-sim'
import { loadConfig } from '../src/config'
import { createForecastRuntime } from '../src/forecast-runtime'
import { loadBundledBars, workerEnv } from './forecast-harness'

const bars = Number(process.argv[2] ?? 640)
const latencyMs = Number(process.argv[3] ?? 2000)
const admin = process.env.DATABASE_URL
if (!admin) throw new Error('set DATABASE_URL (an admin connection; a scratch database is created and dropped)')

const name = `pulsetrade_bench_${Date.now().toString(36)}`
const url = await createDatabase(admin, name)
const sim = await startLexiSim({ port: 0, fixedLatencyMs: latencyMs })
const db = createPool({ connectionString: url, max: 12 })
try {
  await migrate(url)
  await loadBundledBars(db, bars + 60)
  const config = loadConfig(workerEnv(url, sim.url, { LLM_TIMEOUT_MS: String(latencyMs * 20) }))
  const rt = createForecastRuntime({ config, db, logger: pino({ level: 'silent' }), metrics: new Registry() })
  const cpu0 = process.cpuUsage()
  const s = await rt.worker.runOnce()
  const cpu = process.cpuUsage(cpu0)
  await rt.close()
  const ideal = 64 / (latencyMs / 1000) / 2
  process.stdout.write(
    `${s.done} bars in ${s.seconds.toFixed(1)} s: ${s.perSecond.toFixed(2)} bars/s; ideal ${ideal.toFixed(2)} bars/s ` +
      `(64 slots / ${latencyMs} ms / 2 calls); ratio ${(s.perSecond / ideal).toFixed(3)}; worker CPU ${((cpu.user + cpu.system) / 1000 / s.done).toFixed(1)} ms/bar\n`,
  )
} finally {
  await db.end()
  await sim.close()
  await dropDatabase(admin, name)
}
