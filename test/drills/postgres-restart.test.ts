import { rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createPool, ensureDatabase, migrate, startEmbeddedPostgres, type Db, type EmbeddedPostgres } from '@pulsetrade/db'
import { loadConfig } from '@pulsetrade/forecast/config'
import { createForecastRuntime } from '@pulsetrade/forecast/runtime'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { eligibleBars, loadSpxBars } from './kit/forecast-bars'
import { captureLogs } from './kit/log-capture'

/**
 * Drill 4: Postgres restarted in the middle of a forecast run. A dedicated embedded Postgres (its
 * own data directory under .data/ and its own port) is stopped (fast shutdown: every session is
 * terminated) and started again while one worker is writing. The worker must reconnect by itself
 * and finish the run, and the table must hold every eligible bar exactly once.
 */
const DATA_DIR = fileURLToPath(new URL(`../../.data/drills/pg-restart-${process.pid}`, import.meta.url))
const BARS = 400

async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const { port } = srv.address() as { port: number }
  await new Promise((resolve) => srv.close(resolve))
  return port
}

let pg: EmbeddedPostgres
let sim: LexiSim
let pool: Db
let url: string
beforeAll(async () => {
  pg = await startEmbeddedPostgres({ dataDir: DATA_DIR, port: await freePort() })
  url = await ensureDatabase(pg.url, 'drill')
  await migrate(url)
  pool = createPool({ connectionString: url, max: 10, applicationName: 'drill-pg-restart' })
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 100 })
})
afterAll(async () => {
  await pool?.end().catch(() => {})
  await sim?.close()
  await pg?.stop()
  await rm(DATA_DIR, { recursive: true, force: true })
})

const count = async (sql: string): Promise<number> => (await pool.query<{ n: number }>(sql)).rows[0]?.n ?? 0

test('Postgres restarted mid-run: the worker reconnects and the table has no gap and no duplicate', { timeout: 120_000 }, async () => {
  expect(path.basename(path.dirname(DATA_DIR))).toBe('drills')
  const config = loadConfig({
    DATABASE_URL: url,
    LLM_BASE_URL: `${sim.url}/v1`,
    LOG_LEVEL: 'error',
    FORECAST_CONCURRENCY: '16',
    FORECAST_CLAIM_BATCH: '4',
    FORECAST_FLUSH_MAX: '8',
    FORECAST_LEASE_MS: '1500',
    FORECAST_POLL_MS: '200',
    FORECAST_RETRY_MS: '200',
  })
  await loadSpxBars(pool, BARS)
  const expected = await eligibleBars(pool, config.FORECAST_MIN_BARS)
  const logs = captureLogs('error')
  const rt = createForecastRuntime({ config, db: pool, logger: logs.logger, metrics: new Registry() })
  const running = rt.worker.runOnce()

  const deadline = Date.now() + 60_000
  while ((await count('SELECT count(*)::int AS n FROM forecasts')) < 60) {
    if (Date.now() > deadline) throw new Error('the worker wrote nothing before the restart')
    await sleep(25)
  }
  await pg.stop()
  await sleep(500) // down for a moment: claims, writes and heartbeats fail meanwhile
  pg = await startEmbeddedPostgres({ dataDir: pg.dataDir, port: pg.port })
  let atRestart = -1
  while (atRestart < 0) atRestart = await count('SELECT count(*)::int AS n FROM forecasts').catch(() => -1)
  expect(atRestart).toBeLessThan(expected.length) // the restart really hit the middle of the run

  const summary = await Promise.race([
    running,
    sleep(90_000).then(() => {
      throw new Error('the run did not finish after the restart')
    }),
  ])
  await rt.close()
  expect(summary.done).toBeGreaterThanOrEqual(expected.length)
  // The restart reached the worker (its sessions were terminated), and it carried on.
  expect(logs.atLeast(50).length).toBeGreaterThan(0)

  const rows = await pool.query<{ asof: Date }>('SELECT asof FROM forecasts ORDER BY asof')
  expect(rows.rows.map((r) => r.asof.toISOString())).toEqual(expected)
  expect(await count('SELECT count(DISTINCT (symbol, asof, horizon, model_version))::int AS n FROM forecasts')).toBe(expected.length)
  const jobs = await pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM forecast_jobs GROUP BY 1')
  expect(jobs.rows).toEqual([{ status: 'done', n: expected.length }])
  expect(await count(`SELECT count(*)::int AS n FROM forecasts WHERE NOT ((features->'llm'->'policy'->>'ok')::boolean)`)).toBe(0)
  // One order per forecast that proposed one, never two.
  expect(await count('SELECT count(*)::int AS n FROM (SELECT forecast_id FROM orders GROUP BY 1 HAVING count(*) > 1) d')).toBe(0)
  expect(await count('SELECT count(*)::int AS n FROM orders')).toBe(
    await count(`SELECT count(*)::int AS n FROM forecasts WHERE features->'llm'->'inputs'->'order' <> 'null'::jsonb`),
  )
})
