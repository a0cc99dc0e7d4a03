import { fileURLToPath } from 'node:url'
import type { Db } from '@pulsetrade/db'
import { importBarsFile } from '@pulsetrade/forecast/bars'

const BUNDLED_CSV = fileURLToPath(new URL('../../../data/sp500-daily-2000-2020.csv', import.meta.url))

/** The first `count` daily bars of the bundled S&P 500 sample, stored as SPX. */
export async function loadSpxBars(db: Db, count: number): Promise<void> {
  await importBarsFile(db, BUNDLED_CSV, { symbol: 'SPX' })
  await db.query('DELETE FROM market_bars WHERE ts > (SELECT ts FROM market_bars ORDER BY ts OFFSET $1 LIMIT 1)', [count - 1])
}

/** asof of every bar a run must forecast: those with `minBars` bars of history, the bar included. */
export async function eligibleBars(db: Db, minBars: number): Promise<string[]> {
  const res = await db.query<{ ts: Date }>('SELECT ts FROM market_bars ORDER BY ts OFFSET $1', [minBars - 1])
  return res.rows.map((r) => r.ts.toISOString())
}
