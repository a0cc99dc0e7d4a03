/** Postgres advisory lock keys of libs/trading (same in every process; distinct from the migrator's). */

/**
 * Held (transaction-scoped) while a risk-increasing order counts and places itself, once the count
 * is within THROTTLE_EXACT_MARGIN of RISK_MAX_ORDERS_PER_MIN: an exact limit without serialising
 * every order. Exact while fewer than THROTTLE_EXACT_MARGIN placements are in flight at once across
 * all workers (each holds a pooled connection).
 */
export const THROTTLE_LOCK = 7_460_240
export const THROTTLE_EXACT_MARGIN = 64

/** Held (session-scoped) by the one process running a panic exit's steps. */
export const PANIC_RUN_LOCK = 7_460_241
