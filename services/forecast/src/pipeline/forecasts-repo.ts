import type { Db, DbClient } from '@pulsetrade/db'
import type { FeaturesLlm } from '@pulsetrade/llm'
import type { ModelForecast } from '../models/model'
import type { JobKey } from './jobs-repo'

type Queryable = Db | DbClient

export interface ForecastRow extends JobKey, ModelForecast {
  /** The whole features column: { llm: FeaturesLlm, ... }. */
  features: { llm: FeaturesLlm } & Record<string, unknown>
}

export interface StoredForecast {
  id: number
  key: JobKey
  features: ForecastRow['features']
}

export const keyString = (k: JobKey): string => `${k.symbol}|${k.asof.toISOString()}|${k.horizon}|${k.model_version}`

/** Queries on forecasts. Writes are multi-row and idempotent on the unique key. */
export function createForecastsRepo(db: Queryable) {
  return {
    /**
     * Inserts the rows in one statement; a row whose key already exists is left as it is (the
     * first writer wins, a re-run never duplicates). Returns the id of every key, new or not.
     */
    async insertMany(rows: ForecastRow[]): Promise<Map<string, { id: number; inserted: boolean }>> {
      const out = new Map<string, { id: number; inserted: boolean }>()
      if (rows.length === 0) return out
      const col = <T>(f: (r: ForecastRow) => T): T[] => rows.map(f)
      const res = await db.query<{ id: number; symbol: string; asof: Date; horizon: number; model_version: string; inserted: boolean }>(
        // features travel as one JSON array, not a jsonb[] literal: escaping every document into an array
        // literal cost ~3x the CPU of the rest of the batch (bench/b4-write-path.bench.ts).
        `WITH input AS (
           SELECT t.symbol, t.asof, t.horizon, t.model_version, t.mu, t.sigma, t.p_up, t.q05, t.q95, f.features
           FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[], $5::float8[], $6::float8[],
             $7::float8[], $8::float8[], $9::float8[]) WITH ORDINALITY
             AS t(symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, n)
           JOIN jsonb_array_elements($10::jsonb) WITH ORDINALITY AS f(features, n) USING (n)
           ORDER BY n
         ), ins AS (
           INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features)
           SELECT * FROM input
           ON CONFLICT (symbol, asof, horizon, model_version) DO NOTHING
           RETURNING id, symbol, asof, horizon, model_version
         )
         SELECT id, symbol, asof, horizon, model_version, true AS inserted FROM ins
         UNION ALL
         SELECT f.id, f.symbol, f.asof, f.horizon, f.model_version, false
           FROM (SELECT * FROM input i WHERE NOT EXISTS (
                   SELECT 1 FROM ins WHERE (ins.symbol, ins.asof, ins.horizon, ins.model_version) = (i.symbol, i.asof, i.horizon, i.model_version))) i
           JOIN forecasts f ON (f.symbol, f.asof, f.horizon, f.model_version) = (i.symbol, i.asof, i.horizon, i.model_version)`,
        [
          col((r) => r.symbol),
          col((r) => r.asof),
          col((r) => r.horizon),
          col((r) => r.model_version),
          col((r) => r.mu),
          col((r) => r.sigma),
          col((r) => r.p_up),
          col((r) => r.q05),
          col((r) => r.q95),
          JSON.stringify(rows.map((r) => r.features)),
        ],
      )
      // The second SELECT sees the table as it was before the statement: only rows that existed already.
      for (const r of res.rows) {
        const k = keyString(r)
        if (!out.has(k) || r.inserted) out.set(k, { id: r.id, inserted: r.inserted })
      }
      // A row another worker committed while this statement ran conflicts but is not in its snapshot.
      const missing = rows.filter((r) => !out.has(keyString(r)))
      if (missing.length > 0) {
        const again = await db.query<{ id: number; symbol: string; asof: Date; horizon: number; model_version: string }>(
          `SELECT f.id, f.symbol, f.asof, f.horizon, f.model_version FROM forecasts f
           JOIN unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[]) AS k(symbol, asof, horizon, model_version)
             ON (f.symbol, f.asof, f.horizon, f.model_version) = (k.symbol, k.asof, k.horizon, k.model_version)`,
          [missing.map((r) => r.symbol), missing.map((r) => r.asof), missing.map((r) => r.horizon), missing.map((r) => r.model_version)],
        )
        for (const r of again.rows) out.set(keyString(r), { id: r.id, inserted: false })
      }
      return out
    },

    async byIds(ids: number[]): Promise<StoredForecast[]> {
      if (ids.length === 0) return []
      const res = await db.query<{ id: number; symbol: string; asof: Date; horizon: number; model_version: string; features: ForecastRow['features'] }>(
        'SELECT id, symbol, asof, horizon, model_version, features FROM forecasts WHERE id = ANY($1::bigint[])',
        [ids],
      )
      return res.rows.map((r) => ({
        id: r.id,
        key: { symbol: r.symbol, asof: r.asof, horizon: r.horizon, model_version: r.model_version },
        features: r.features,
      }))
    },

    /** Ids among `ids` that have no order yet. */
    async withoutOrder(ids: number[]): Promise<Set<number>> {
      if (ids.length === 0) return new Set()
      const res = await db.query<{ id: number }>(
        `SELECT f.id FROM forecasts f WHERE f.id = ANY($1::bigint[])
         AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.forecast_id = f.id)`,
        [ids],
      )
      return new Set(res.rows.map((r) => r.id))
    },

    /**
     * Fills realized_return = ln(close at the horizon-th bar after asof / close at asof) for up to
     * `limit` unresolved forecasts whose horizon has passed. Returns how many were resolved.
     */
    async resolve(limit = 5000): Promise<number> {
      const res = await db.query(
        `WITH due AS (
           SELECT f.id, ln(fut.close / cur.close) AS r
           FROM forecasts f
           JOIN market_bars cur ON cur.symbol = f.symbol AND cur.ts = f.asof
           CROSS JOIN LATERAL (
             SELECT m.close FROM market_bars m WHERE m.symbol = f.symbol AND m.ts > f.asof
             ORDER BY m.ts OFFSET f.horizon - 1 LIMIT 1
           ) fut
           WHERE f.resolved_at IS NULL
           ORDER BY f.asof LIMIT $1
         )
         UPDATE forecasts f SET realized_return = due.r, resolved_at = now() FROM due WHERE f.id = due.id`,
        [limit],
      )
      return res.rowCount ?? 0
    },
  }
}
export type ForecastsRepo = ReturnType<typeof createForecastsRepo>
