import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../test/db'
import { deterministicForecasts, eligibleAsofs, loadBundledBars, runOnceInProcess, spawnForecast, within, workerEnv } from './forecast-harness'

const reference = await testDatabase()
const crashed = await testDatabase()
let sim: LexiSim

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
})
afterAll(async () => {
  await sim?.close()
})

const count = async (): Promise<number> => (await crashed.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM forecasts')).rows[0]?.n ?? 0

test('kill -9 of a worker mid-run, then a restart: the final table equals that of an uninterrupted run', async () => {
  await loadBundledBars(reference.pool, 400)
  await loadBundledBars(crashed.pool, 400)
  const total = (await eligibleAsofs(crashed.pool)).length
  expect(total).toBe(340)

  // Small batches so the kill lands between writes, with bars claimed and in flight.
  // The lease is what brings the dead worker's bars back: 5 s keeps it held while we look, and short.
  const env = { FORECAST_CONCURRENCY: '16', FORECAST_CLAIM_BATCH: '4', FORECAST_FLUSH_MAX: '8', FORECAST_LEASE_MS: '5000' }
  await runOnceInProcess(reference.pool, workerEnv(reference.url, sim.url, env))

  const first = spawnForecast(['run', '--once'], workerEnv(crashed.url, sim.url, env))
  const deadline = Date.now() + 120_000
  while ((await count()) < 40) {
    if (Date.now() > deadline) throw new Error(`worker wrote nothing in time:\n${first.output()}`)
    await sleep(25)
  }
  first.child.kill('SIGKILL')
  expect(await within(10_000, 'killed worker', first.exited)).toBe('SIGKILL')
  const atKill = await count()
  expect(atKill).toBeLessThan(total) // really mid-run
  const held = await crashed.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM forecast_jobs WHERE status = 'pending' AND lease_until > now()`)
  expect(held.rows[0]?.n).toBeGreaterThan(0) // the dead worker still holds leases

  const second = spawnForecast(['run', '--once'], workerEnv(crashed.url, sim.url, env))
  expect(await within(180_000, 'restarted worker', second.exited), second.output()).toBe(0)

  expect(await deterministicForecasts(crashed.pool)).toEqual(await deterministicForecasts(reference.pool))
  const jobs = await crashed.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM forecast_jobs GROUP BY 1')
  expect(jobs.rows).toEqual([{ status: 'done', n: total }])
  const dupes = await crashed.pool.query('SELECT forecast_id FROM orders GROUP BY 1 HAVING count(*) > 1')
  expect(dupes.rowCount).toBe(0)
}, 400_000)
