import type { Db } from '@pulsetrade/db'

/** The unique key of a forecast (and of its job). */
export interface JobKey {
  symbol: string
  asof: Date
  horizon: number
  model_version: string
}

export interface ClaimedJob extends JobKey {
  attempts: number
  /** Set when the forecast row already exists (a worker died after writing it): resume from it. */
  forecast_id: number | null
}

export interface JobsRepoOptions {
  workerId: string
  leaseMs: number
}

const keyArrays = (keys: JobKey[]): unknown[] => [
  keys.map((k) => k.symbol),
  keys.map((k) => k.asof),
  keys.map((k) => k.horizon),
  keys.map((k) => k.model_version),
]
const KEYS_SQL = 'SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[]) AS k(symbol, asof, horizon, model_version)'
const SAME_ROW = '(j.symbol, j.asof, j.horizon, j.model_version) = (c.symbol, c.asof, c.horizon, c.model_version)'

/**
 * Locks the rows of keys $1..$4 matching `where`, always in key order: multi-row updates that lock
 * in one order cannot deadlock each other (complete, release and heartbeat touch the same rows).
 */
const lockRows = (where: string, wait: '' | 'SKIP LOCKED' = ''): string =>
  `SELECT j.symbol, j.asof, j.horizon, j.model_version FROM forecast_jobs j JOIN (${KEYS_SQL}) k
     ON (j.symbol, j.asof, j.horizon, j.model_version) = (k.symbol, k.asof, k.horizon, k.model_version)
   WHERE ${where}
   ORDER BY j.symbol, j.asof, j.horizon, j.model_version FOR UPDATE OF j ${wait}`

/**
 * The forecast_jobs lease queue. Claims use FOR UPDATE SKIP LOCKED, so concurrent workers never
 * claim the same row; a claim holds a lease that the worker renews (heartbeat) while it works. A
 * worker that dies stops renewing and its rows become claimable again when the lease runs out.
 */
export function createJobsRepo(db: Db, opts: JobsRepoOptions) {
  const leaseSql = `make_interval(secs => ${opts.leaseMs / 1000})`
  return {
    /**
     * Enqueues every bar with at least `minBars` bars of history (itself included) and no job yet
     * (job rows are kept when done, so a bar is enqueued once; one whose forecast exists anyway is
     * only checked for its order when claimed).
     * `sinceLatest` only looks at bars newer than the symbol's newest job (the cheap poll for new bars).
     */
    async enqueue(p: { modelVersion: string; horizon: number; minBars: number; sinceLatest?: boolean }): Promise<number> {
      // Bars after a symbol's newest job already have the history; symbols without jobs need row numbers.
      const res = await db.query(
        `WITH latest AS (
           SELECT symbol, max(asof) AS asof FROM forecast_jobs WHERE model_version = $1 AND horizon = $2 GROUP BY symbol
         ), candidates AS (
           SELECT b.symbol, b.ts FROM market_bars b JOIN latest l ON l.symbol = b.symbol
           WHERE $4::boolean AND b.ts > l.asof
           UNION ALL
           SELECT r.symbol, r.ts FROM (
             SELECT symbol, ts, row_number() OVER (PARTITION BY symbol ORDER BY ts) AS rn FROM market_bars m
             WHERE NOT ($4::boolean AND EXISTS (SELECT 1 FROM latest l WHERE l.symbol = m.symbol))
           ) r WHERE r.rn >= $3
         )
         INSERT INTO forecast_jobs (symbol, asof, horizon, model_version)
         SELECT c.symbol, c.ts, $2, $1 FROM candidates c
         ON CONFLICT DO NOTHING`,
        [p.modelVersion, p.horizon, p.minBars, p.sinceLatest ?? false],
      )
      return res.rowCount ?? 0
    },

    /**
     * Claims up to `limit` pending jobs whose lease is free or expired, oldest bar first; with
     * `asofFrom`, only bars at or after it (the live bars, while the backlog is paused).
     */
    async claim(limit: number, modelVersion: string, filter?: { asofFrom?: Date }): Promise<ClaimedJob[]> {
      const res = await db.query<ClaimedJob>(
        `WITH c AS (
           SELECT symbol, asof, horizon, model_version FROM forecast_jobs
           WHERE status = 'pending' AND model_version = $3 AND (lease_until IS NULL OR lease_until < now())
             AND ($4::timestamptz IS NULL OR asof >= $4)
           ORDER BY asof, symbol LIMIT $2 FOR UPDATE SKIP LOCKED
         ), u AS (
           UPDATE forecast_jobs j SET locked_by = $1, lease_until = now() + ${leaseSql}, attempts = j.attempts + 1
           FROM c WHERE (j.symbol, j.asof, j.horizon, j.model_version) = (c.symbol, c.asof, c.horizon, c.model_version)
           RETURNING j.symbol, j.asof, j.horizon, j.model_version, j.attempts
         )
         SELECT u.*, f.id AS forecast_id FROM u LEFT JOIN forecasts f
           ON (f.symbol, f.asof, f.horizon, f.model_version) = (u.symbol, u.asof, u.horizon, u.model_version)
         ORDER BY u.asof, u.symbol`,
        [opts.workerId, limit, modelVersion, filter?.asofFrom ?? null],
      )
      return res.rows
    },

    /**
     * Renews the lease of the given jobs, as long as this worker still holds them. Rows another
     * statement is updating right now (being completed) are skipped, never waited for.
     */
    async heartbeat(keys: JobKey[]): Promise<number> {
      if (keys.length === 0) return 0
      const res = await db.query(
        `WITH c AS (${lockRows("j.locked_by = $5 AND j.status = 'pending'", 'SKIP LOCKED')})
         UPDATE forecast_jobs j SET lease_until = now() + ${leaseSql} FROM c WHERE ${SAME_ROW}`,
        [...keyArrays(keys), opts.workerId],
      )
      return res.rowCount ?? 0
    },

    async complete(keys: JobKey[]): Promise<void> {
      if (keys.length === 0) return
      await db.query(
        `WITH c AS (${lockRows("j.status = 'pending'")})
         UPDATE forecast_jobs j SET status = 'done', finished_at = now(), lease_until = NULL, last_error = NULL
         FROM c WHERE ${SAME_ROW}`,
        keyArrays(keys),
      )
    },

    /** Gives jobs back: claimable again after `delayMs`. */
    async release(keys: JobKey[], delayMs = 0): Promise<void> {
      if (keys.length === 0) return
      await db.query(
        `WITH c AS (${lockRows("j.status = 'pending'")})
         UPDATE forecast_jobs j SET lease_until = now() + make_interval(secs => $5::float8 / 1000), locked_by = NULL
         FROM c WHERE ${SAME_ROW}`,
        [...keyArrays(keys), delayMs],
      )
    },

    /**
     * Gives jobs back without a row because Lexi is unreachable (the backlog waits): claimable
     * again at once, the claim not counted as an attempt, `held` counting the hand-backs.
     */
    async hold(keys: JobKey[]): Promise<void> {
      if (keys.length === 0) return
      await db.query(
        `WITH c AS (${lockRows("j.status = 'pending' AND j.locked_by = $5")})
         UPDATE forecast_jobs j SET lease_until = NULL, locked_by = NULL, attempts = greatest(j.attempts - 1, 0), held = j.held + 1
         FROM c WHERE ${SAME_ROW}`,
        [...keyArrays(keys), opts.workerId],
      )
    },

    /** Marks a job whose row is being written with a failed LLM answer for re-enrichment (`reason`: its fail reason). */
    async markReenrich(key: JobKey, reason: string): Promise<void> {
      await db.query(
        `UPDATE forecast_jobs SET reenrich = $5, reenrich_attempts = 0, reenrich_lease_until = NULL, reenrich_error = NULL
         WHERE symbol = $1 AND asof = $2 AND horizon = $3 AND model_version = $4`,
        [key.symbol, key.asof, key.horizon, key.model_version, reason],
      )
    },

    /** Records an error; the job is retried after `retryMs` until it has used `maxAttempts`, then it is 'failed'. */
    async fail(key: JobKey, error: string, p: { maxAttempts: number; retryMs: number }): Promise<'retry' | 'failed'> {
      const res = await db.query<{ status: string }>(
        `UPDATE forecast_jobs SET last_error = $5, locked_by = NULL,
           status = CASE WHEN attempts >= $6 THEN 'failed' ELSE 'pending' END,
           finished_at = CASE WHEN attempts >= $6 THEN now() END,
           lease_until = now() + make_interval(secs => $7::float8 / 1000)
         WHERE symbol = $1 AND asof = $2 AND horizon = $3 AND model_version = $4 AND status = 'pending'
         RETURNING status`,
        [key.symbol, key.asof, key.horizon, key.model_version, error.slice(0, 2000), p.maxAttempts, p.retryMs],
      )
      return res.rows[0]?.status === 'failed' ? 'failed' : 'retry'
    },

    /** Pending jobs of a model version, and when the earliest lease held by someone runs out. */
    async pending(modelVersion: string): Promise<{ count: number; nextFreeAt: Date | null }> {
      const res = await db.query<{ count: number; next: Date | null }>(
        `SELECT count(*)::int AS count, min(lease_until) AS next FROM forecast_jobs
         WHERE status = 'pending' AND model_version = $1`,
        [modelVersion],
      )
      return { count: res.rows[0]?.count ?? 0, nextFreeAt: res.rows[0]?.next ?? null }
    },

    async counts(modelVersion: string): Promise<Record<'pending' | 'done' | 'failed', number>> {
      const res = await db.query<{ status: 'pending' | 'done' | 'failed'; n: number }>(
        'SELECT status, count(*)::int AS n FROM forecast_jobs WHERE model_version = $1 GROUP BY status',
        [modelVersion],
      )
      const out = { pending: 0, done: 0, failed: 0 }
      for (const r of res.rows) out[r.status] = r.n
      return out
    },
  }
}
export type JobsRepo = ReturnType<typeof createJobsRepo>
