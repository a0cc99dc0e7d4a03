import { expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { createForecastsRepo, keyString, type ForecastRow } from '../src/pipeline/forecasts-repo'

const db = await testDatabase()

const row = (symbol: string, day: number, mu = 0.001): ForecastRow => {
  const asof = new Date(Date.UTC(2024, 0, day))
  return {
    symbol,
    asof,
    horizon: 1,
    model_version: 'ewma-1',
    mu,
    sigma: 0.01,
    p_up: 0.54,
    q05: -0.015,
    q95: 0.017,
    features: { llm: { note: `repository test, day ${day}` } } as unknown as ForecastRow['features'],
  }
}

test('insertMany returns every key once: new rows inserted, existing rows with their stored id, a key repeated in the batch inserted once', async () => {
  const repo = createForecastsRepo(db.pool)
  const first = await repo.insertMany([row('IRA', 1), row('IRA', 2)])
  expect([...first.values()].map((v) => v.inserted)).toEqual([true, true])

  const again = await repo.insertMany([row('IRA', 2, 0.5), row('IRA', 3), row('IRA', 3, 0.7), row('IRA', 1)])
  expect(again.size).toBe(3)
  expect(again.get(keyString(row('IRA', 1)))).toEqual({ id: first.get(keyString(row('IRA', 1)))!.id, inserted: false })
  expect(again.get(keyString(row('IRA', 2)))).toEqual({ id: first.get(keyString(row('IRA', 2)))!.id, inserted: false })
  expect(again.get(keyString(row('IRA', 3)))?.inserted).toBe(true)

  const stored = await db.pool.query<{ asof: Date; mu: number }>("SELECT asof, mu FROM forecasts WHERE symbol = 'IRA' ORDER BY asof")
  // The first writer wins: neither the re-sent row nor the in-batch repeat overwrote anything.
  expect(stored.rows.map((r) => r.mu)).toEqual([0.001, 0.001, 0.001])
})
