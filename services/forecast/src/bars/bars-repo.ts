import type { Db, DbClient } from '@pulsetrade/db'
import type { Bar, BarRow } from './bar'

type Queryable = Db | DbClient

const CHUNK = 5000

interface BarDbRow {
  ts: Date
  open: number
  high: number
  low: number
  close: number
  volume: number
}

const toBar = (r: BarDbRow): Bar => ({ ts: r.ts, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume })

/** Queries on market_bars. Inserts are multi-row (unnest of arrays) and idempotent on (symbol, ts). */
export function createBarsRepo(db: Queryable) {
  return {
    /** Inserts bars that are not there yet; returns how many were new. */
    async insert(rows: BarRow[]): Promise<number> {
      let inserted = 0
      for (let i = 0; i < rows.length; i += CHUNK) {
        const part = rows.slice(i, i + CHUNK)
        const res = await db.query(
          `INSERT INTO market_bars (symbol, ts, open, high, low, close, volume)
           SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[])
           ON CONFLICT (symbol, ts) DO NOTHING`,
          [
            part.map((b) => b.symbol),
            part.map((b) => b.ts),
            part.map((b) => b.open),
            part.map((b) => b.high),
            part.map((b) => b.low),
            part.map((b) => b.close),
            part.map((b) => b.volume),
          ],
        )
        inserted += res.rowCount ?? 0
      }
      return inserted
    },

    async count(): Promise<number> {
      const res = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM market_bars')
      return res.rows[0]?.n ?? 0
    },

    /**
     * Bars of `symbol` with ts <= `to`, ascending, starting `lookback` bars before `from`
     * (so a forecast at `from` sees `lookback` earlier bars).
     */
    async range(symbol: string, from: Date, to: Date, lookback: number): Promise<Bar[]> {
      const res = await db.query<BarDbRow>(
        `SELECT ts, open, high, low, close, volume FROM market_bars
         WHERE symbol = $1 AND ts <= $3 AND ts >= coalesce(
           (SELECT ts FROM market_bars WHERE symbol = $1 AND ts <= $2 ORDER BY ts DESC OFFSET $4 LIMIT 1), '-infinity')
         ORDER BY ts`,
        [symbol, from, to, lookback],
      )
      return res.rows.map(toBar)
    },

    /** Every bar of `symbol`, ascending (backtests). */
    async all(symbol: string): Promise<Bar[]> {
      const res = await db.query<BarDbRow>('SELECT ts, open, high, low, close, volume FROM market_bars WHERE symbol = $1 ORDER BY ts', [symbol])
      return res.rows.map(toBar)
    },

    async symbols(): Promise<string[]> {
      const res = await db.query<{ symbol: string }>('SELECT DISTINCT symbol FROM market_bars ORDER BY symbol')
      return res.rows.map((r) => r.symbol)
    },

    async latest(symbol: string): Promise<Bar | null> {
      const res = await db.query<BarDbRow>('SELECT ts, open, high, low, close, volume FROM market_bars WHERE symbol = $1 ORDER BY ts DESC LIMIT 1', [symbol])
      return res.rows[0] ? toBar(res.rows[0]) : null
    },
  }
}
export type BarsRepo = ReturnType<typeof createBarsRepo>
