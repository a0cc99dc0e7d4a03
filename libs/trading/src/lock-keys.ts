/** Postgres advisory lock keys of libs/trading (same in every process; distinct from the migrator's). */

/**
 * Held (transaction-scoped) while a risk-increasing order counts and places itself, once the count
 * is within THROTTLE_EXACT_MARGIN of RISK_MAX_ORDERS_PER_MIN: an exact limit without serialising
 * every order. Exact while fewer than THROTTLE_EXACT_MARGIN placements are in flight at once across
 * all workers (each holds a pooled connection).
 */
export const THROTTLE_LOCK = 7_460_240
export const THROTTLE_EXACT_MARGIN = 64

/**
 * Class of the run lock of a panic exit, held (session-scoped) by the one connection running that
 * exit's steps: `pg_advisory_lock(PANIC_RUN_LOCK, hashtext(exit_id))`. Held means its runner is alive.
 */
export const PANIC_RUN_LOCK = 7_460_241

/** SQL for the run lock of the exit whose id is parameter `$n` (class in the query text). */
export const panicRunLock = (fn: 'pg_try_advisory_lock' | 'pg_advisory_unlock' | 'pg_try_advisory_xact_lock', exitIdSql: string): string =>
  `${fn}(${PANIC_RUN_LOCK}, hashtext(${exitIdSql}))`
