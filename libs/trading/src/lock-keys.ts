/** Postgres advisory lock keys of libs/trading (same in every process; distinct from the migrator's). */

/** Held (transaction-scoped) while a risk-increasing order counts and places itself: exact throttle. */
export const THROTTLE_LOCK = 7_460_240

/** Held (session-scoped) by the one process running a panic exit's steps. */
export const PANIC_RUN_LOCK = 7_460_241
