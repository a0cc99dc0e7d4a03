import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { FeaturesLlmSchema } from '@pulsetrade/llm'
import { testDatabase } from '../../../test/db'
import { eligibleAsofs, spawnForecast, within, workerEnv } from './forecast-harness'

const db = await testDatabase()
let sim: LexiSim

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
})
afterAll(async () => {
  await sim?.close()
})

test('run --once over the bundled file writes one forecast per eligible bar, each passing the features.llm contract; a second run writes nothing', async () => {
  const env = workerEnv(db.url, sim.url)
  const imported = spawnForecast(['import', 'data/sp500-daily-2000-2020.csv'], env)
  expect(await within(60_000, 'import', imported.exited), imported.output()).toBe(0)
  expect(imported.output()).toMatch(/5105 rows, 5105 valid, 5105 inserted/)
  const eligible = await eligibleAsofs(db.pool)
  expect(eligible).toHaveLength(5105 - 60)

  const first = spawnForecast(['run', '--once'], env)
  expect(await within(900_000, 'first run', first.exited), first.output()).toBe(0)
  expect(first.output()).toMatch(/forecast ewma-rm-1: \d+ bars in .* bars\/s\).*queue: 5045 done, 0 pending, 0 failed/)

  const rows = await db.pool.query<{ asof: Date; llm: unknown; realized: number | null }>(
    "SELECT asof, features->'llm' AS llm, realized_return AS realized FROM forecasts ORDER BY asof",
  )
  expect(rows.rows.map((r) => r.asof.toISOString())).toEqual(eligible)
  const failures = rows.rows.flatMap((r) => {
    const parsed = FeaturesLlmSchema.safeParse(r.llm)
    return parsed.success ? [] : [`${r.asof.toISOString()}: ${parsed.error.issues[0]?.message ?? ''}`]
  })
  expect(failures).toEqual([])
  // Every forecast but the last bar's has a realized return.
  expect(rows.rows.filter((r) => r.realized === null)).toHaveLength(1)

  const before = await db.pool.query('SELECT max(id) AS id, count(*)::int AS n FROM forecasts')
  const calls = await db.pool.query('SELECT count(*)::int AS n FROM llm_calls')
  const second = spawnForecast(['run', '--once'], env)
  expect(await within(120_000, 'second run', second.exited), second.output()).toBe(0)
  expect(second.output()).toMatch(/forecast ewma-rm-1: 0 bars in/)
  expect((await db.pool.query('SELECT max(id) AS id, count(*)::int AS n FROM forecasts')).rows).toEqual(before.rows)
  expect((await db.pool.query('SELECT count(*)::int AS n FROM llm_calls')).rows).toEqual(calls.rows)
}, 1_200_000)
