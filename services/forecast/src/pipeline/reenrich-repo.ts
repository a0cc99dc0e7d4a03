import type { Db } from '@pulsetrade/db'
import type { FeaturesLlm } from '@pulsetrade/llm'
import type { JobKey } from './jobs-repo'

/** A row marked for re-enrichment, claimed under a lease. */
export interface ClaimedReenrich extends JobKey {
  /** Why it was marked: the fail reason of the outage, or 'manual'. */
  reenrich: string
  reenrich_attempts: number
  /** null when the job has no forecast row (nothing to fill in). */
  id: number | null
  llm: FeaturesLlm | null
}

/** A failed row the manual command may mark (its LLM errors, to filter by fail reason). */
export interface FailedRow extends JobKey {
  rationale_error: { code: string; message?: string } | null
  policy_error: { code: string; message?: string } | null
  policy_fail_reason: string | null
}

const KEY = '(j.symbol, j.asof, j.horizon, j.model_version)'
const byKey = (k: JobKey): unknown[] => [k.symbol, k.asof, k.horizon, k.model_version]
const ONE_JOB = 'symbol = $1 AND asof = $2 AND horizon = $3 AND model_version = $4'

/**
 * The re-enrichment queue: forecast_jobs rows whose `reenrich` is set (migration 0030). Only jobs
 * that are `done` are claimed, so the row and its order are written before anything is filled in
 * (the writer never places an order for them again). Claims use FOR UPDATE SKIP LOCKED and a lease,
 * like the forecast claims; the store only fills rows not yet late, so a row is filled at most once.
 */
export function createReenrichRepo(db: Db, opts: { leaseMs: number }) {
  const leaseSql = `make_interval(secs => ${opts.leaseMs / 1000})`
  return {
    /** Claims up to `limit` marked rows (newest bar first) with fewer than `maxAttempts` tries. */
    async claim(limit: number, maxAttempts: number): Promise<ClaimedReenrich[]> {
      const res = await db.query<ClaimedReenrich>(
        `WITH c AS (
           SELECT symbol, asof, horizon, model_version FROM forecast_jobs
           WHERE reenrich IS NOT NULL AND status = 'done' AND reenrich_attempts < $2
             AND (reenrich_lease_until IS NULL OR reenrich_lease_until < now())
           ORDER BY asof DESC, symbol LIMIT $1 FOR UPDATE SKIP LOCKED
         ), u AS (
           UPDATE forecast_jobs j SET reenrich_lease_until = now() + ${leaseSql}, reenrich_attempts = j.reenrich_attempts + 1
           FROM c WHERE ${KEY} = (c.symbol, c.asof, c.horizon, c.model_version)
           RETURNING j.symbol, j.asof, j.horizon, j.model_version, j.reenrich, j.reenrich_attempts
         )
         SELECT u.*, f.id, f.features->'llm' AS llm FROM u LEFT JOIN forecasts f
           ON (f.symbol, f.asof, f.horizon, f.model_version) = (u.symbol, u.asof, u.horizon, u.model_version)
         ORDER BY u.asof DESC, u.symbol`,
        [limit, maxAttempts],
      )
      return res.rows
    },

    /**
     * Stores the late features.llm of forecast `id` (only if it is not late already) and clears the
     * mark, in one statement. Returns whether the row was filled in.
     */
    async store(key: JobKey, id: number, llm: FeaturesLlm): Promise<boolean> {
      const res = await db.query<{ filled: boolean }>(
        `WITH f AS (
           UPDATE forecasts SET features = jsonb_set(features, '{llm}', $6::jsonb)
           WHERE id = $5 AND NOT (features->'llm' ? 'late') RETURNING id
         ), j AS (  -- a data-modifying WITH runs whether or not it is read
           UPDATE forecast_jobs SET reenrich = NULL, reenrich_lease_until = NULL, reenrich_error = NULL, reenriched_at = now()
           WHERE ${ONE_JOB}
         )
         SELECT EXISTS (SELECT 1 FROM f) AS filled`,
        [...byKey(key), id, JSON.stringify(llm)],
      )
      return res.rows[0]?.filled === true
    },

    /** Clears a mark without filling anything in (no row, or nothing left to fill). */
    async clear(key: JobKey): Promise<void> {
      await db.query(`UPDATE forecast_jobs SET reenrich = NULL, reenrich_lease_until = NULL, reenrich_error = NULL WHERE ${ONE_JOB}`, byKey(key))
    },

    /** Lexi did not answer: keep the mark, try again after `retryMs`. */
    async retry(key: JobKey, error: string, retryMs: number): Promise<void> {
      await db.query(
        `UPDATE forecast_jobs SET reenrich_error = $5, reenrich_lease_until = now() + make_interval(secs => $6::float8 / 1000)
         WHERE ${ONE_JOB}`,
        [...byKey(key), error.slice(0, 2000), retryMs],
      )
    },

    /** Marked rows: still to try, and given up after `maxAttempts`. */
    async counts(maxAttempts: number): Promise<{ pending: number; gaveUp: number }> {
      const res = await db.query<{ pending: number; gave_up: number }>(
        `SELECT count(*) FILTER (WHERE reenrich_attempts < $1)::int AS pending, count(*) FILTER (WHERE reenrich_attempts >= $1)::int AS gave_up
         FROM forecast_jobs WHERE reenrich IS NOT NULL`,
        [maxAttempts],
      )
      return { pending: res.rows[0]?.pending ?? 0, gaveUp: res.rows[0]?.gave_up ?? 0 }
    },

    /** Rows written with a failed rationale or policy, not late yet, job done, bar at or after `since`. */
    async failedRows(since: Date | null): Promise<FailedRow[]> {
      const res = await db.query<FailedRow>(
        `SELECT f.symbol, f.asof, f.horizon, f.model_version,
           CASE WHEN (f.features->'llm'->'rationale'->>'ok')::boolean THEN NULL ELSE f.features->'llm'->'rationale'->'error' END AS rationale_error,
           CASE WHEN (f.features->'llm'->'policy'->>'ok')::boolean THEN NULL ELSE f.features->'llm'->'policy'->'error' END AS policy_error,
           f.features->'llm'->'policy'->>'fail_reason' AS policy_fail_reason
         FROM forecasts f JOIN forecast_jobs j ON ${KEY} = (f.symbol, f.asof, f.horizon, f.model_version)
         WHERE j.status = 'done' AND NOT (f.features->'llm' ? 'late')
           AND ((f.features->'llm'->'rationale'->>'ok')::boolean IS NOT TRUE OR (f.features->'llm'->'policy'->>'ok')::boolean IS NOT TRUE)
           AND ($1::timestamptz IS NULL OR f.asof >= $1)
         ORDER BY f.asof`,
        [since],
      )
      return res.rows
    },

    /** Marks the given jobs 'manual' (a row marked already keeps its reason); tries start from zero. Returns how many. */
    async markManual(keys: JobKey[]): Promise<number> {
      if (keys.length === 0) return 0
      const res = await db.query(
        `UPDATE forecast_jobs j SET reenrich = coalesce(j.reenrich, 'manual'), reenrich_attempts = 0,
           reenrich_lease_until = NULL, reenrich_error = NULL
         FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[]) AS k(symbol, asof, horizon, model_version)
         WHERE ${KEY} = (k.symbol, k.asof, k.horizon, k.model_version) AND j.status = 'done'`,
        [keys.map((k) => k.symbol), keys.map((k) => k.asof), keys.map((k) => k.horizon), keys.map((k) => k.model_version)],
      )
      return res.rowCount ?? 0
    },
  }
}
export type ReenrichRepo = ReturnType<typeof createReenrichRepo>
