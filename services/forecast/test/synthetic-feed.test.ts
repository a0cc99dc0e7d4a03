import { expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { createBarsRepo } from '../src/bars/bars-repo'
import { createSyntheticFeed } from '../src/bars/synthetic-feed'

const db = await testDatabase()

test('the same seed replays the same bars, also when appended over several runs', async () => {
  const bars = createBarsRepo(db.pool)
  const path = async (symbol: string): Promise<unknown[]> => (await bars.all(symbol)).map((x) => [x.ts.toISOString(), x.close, x.volume])
  await createSyntheticFeed({ db: db.pool, symbol: 'A', seed: 7 }).append(50)
  const once = await path('A')
  await db.pool.query("DELETE FROM market_bars WHERE symbol = 'A'")
  await createSyntheticFeed({ db: db.pool, symbol: 'A', seed: 7 }).append(20)
  await createSyntheticFeed({ db: db.pool, symbol: 'A', seed: 7 }).append(30) // a restart continues the same path
  expect(await path('A')).toEqual(once)
  await db.pool.query("DELETE FROM market_bars WHERE symbol = 'A'")
  await createSyntheticFeed({ db: db.pool, symbol: 'A', seed: 8 }).append(50)
  expect(await path('A')).not.toEqual(once)
})

test('bars are valid OHLCV, one bar step apart, and follow a geometric random walk', async () => {
  const feed = createSyntheticFeed({ db: db.pool, symbol: 'G', seed: 1, mu: 0, sigma: 0.01 })
  const rows = await feed.append(400)
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    expect(r.high).toBeGreaterThanOrEqual(Math.max(r.open, r.close))
    expect(r.low).toBeLessThanOrEqual(Math.min(r.open, r.close))
    expect(r.volume).toBeGreaterThan(0)
    if (i > 0) {
      expect(r.ts.getTime() - rows[i - 1]!.ts.getTime()).toBe(86_400_000)
      expect(r.open).toBe(rows[i - 1]!.close)
    }
  }
  const rets = rows.slice(1).map((r, i) => Math.log(r.close / rows[i]!.close))
  const sd = Math.sqrt(rets.reduce((s, x) => s + x * x, 0) / rets.length)
  expect(sd).toBeGreaterThan(0.008)
  expect(sd).toBeLessThan(0.012)
})
