import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../test/db'
import { eligibleAsofs, loadBundledBars, spawnForecast, within, workerEnv } from './forecast-harness'

const db = await testDatabase()
let sim: LexiSim

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
})
afterAll(async () => {
  await sim?.close()
})

test('three worker processes started together over 1,000 pending bars write 1,000 rows: no duplicates, no gaps, no bar done twice', async () => {
  await loadBundledBars(db.pool, 1060) // 60 bars of history, then 1,000 eligible bars
  const expected = await eligibleAsofs(db.pool)
  expect(expected).toHaveLength(1000)

  // No worker dies here, so leases can be long: on a loaded machine a short lease could run out under
  // a live but starved worker, and the bar would (harmlessly) be done twice.
  const env = workerEnv(db.url, sim.url, { FORECAST_CONCURRENCY: '32', FORECAST_CLAIM_BATCH: '8', FORECAST_LEASE_MS: '60000' })
  const workers = [0, 1, 2].map(() => spawnForecast(['run', '--once'], env))
  const codes = await within(240_000, 'three workers', Promise.all(workers.map((w) => w.exited)))
  expect(codes, workers.map((w) => w.output()).join('\n---\n')).toEqual([0, 0, 0])

  const rows = await db.pool.query<{ asof: Date }>('SELECT asof FROM forecasts ORDER BY asof')
  expect(rows.rows.map((r) => r.asof.toISOString())).toEqual(expected)
  // Every bar was claimed once and completed once.
  const jobs = await db.pool.query<{ status: string; attempts: number; n: number }>(
    'SELECT status, attempts, count(*)::int AS n FROM forecast_jobs GROUP BY 1, 2',
  )
  expect(jobs.rows).toEqual([{ status: 'done', attempts: 1, n: 1000 }])
  // No bar reached Lexi twice: each has exactly one rationale and one policy result, all answered.
  const llm = await db.pool.query<{ ok: number }>(
    `SELECT count(*) FILTER (WHERE (features->'llm'->'rationale'->>'ok')::boolean AND (features->'llm'->'policy'->>'ok')::boolean)::int AS ok FROM forecasts`,
  )
  expect(llm.rows[0]?.ok).toBe(1000)
  // At most one order per forecast, and one for every forecast that proposed one.
  const orders = await db.pool.query<{ proposed: number; placed: number; dupes: number }>(
    `SELECT count(*) FILTER (WHERE features->'llm'->'inputs'->'order' <> 'null'::jsonb)::int AS proposed,
            (SELECT count(*)::int FROM orders) AS placed,
            (SELECT count(*)::int FROM (SELECT forecast_id FROM orders GROUP BY 1 HAVING count(*) > 1) d) AS dupes
     FROM forecasts`,
  )
  expect(orders.rows[0]?.dupes).toBe(0)
  expect(orders.rows[0]?.placed).toBe(orders.rows[0]?.proposed)
  // The work was shared: each process reports how many bars it did, and they add up to 1,000.
  const done = workers.map((w) => Number(/: (\d+) bars in/.exec(w.output())?.[1] ?? Number.NaN))
  expect(done.reduce((a, b) => a + b, 0)).toBe(1000)
}, 300_000)
