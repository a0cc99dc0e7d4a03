import type { Db, DbClient } from '@pulsetrade/db'
import { TradingBusyError, TradingInvariantError } from './errors'
import type { TradingStateName } from './trading-types'

/** SQLSTATE of a lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03'

export interface TradingStateRow {
  state: TradingStateName
  reason: string
  changed_by: string
  changed_at: Date
  /** The panic exit that owns a HALTED state; null otherwise. */
  exit_id: string | null
}

export interface PanicExitRow {
  exit_id: string
  reason: string
  requested_by: string
  status: 'running' | 'done' | 'failed'
  report: Record<string, unknown>
  created_at: Date
  finished_at: Date | null
}

const STATE_COLS = 'state, reason, changed_by, changed_at, exit_id'

/**
 * Reads the singleton trading_state row under lock; must be the first lock a transaction takes.
 * Order placement takes `share` (FOR SHARE: many at once). A state change takes `update`: first
 * LOCK TABLE ... IN EXCLUSIVE MODE, which waits for every placement in flight to commit and, unlike
 * a row lock alone, makes new placements queue behind it (share row locks could otherwise keep
 * overlapping and starve a panic exit for as long as orders flow); then the row FOR UPDATE. Every
 * placement after the change commits sees the new state. With `lockTimeoutMs`, the wait for these
 * locks is bounded (lock_timeout, for the rest of the transaction): TradingBusyError after it.
 */
export async function lockTradingState(tx: DbClient, mode: 'share' | 'update', lockTimeoutMs?: number): Promise<TradingStateRow> {
  try {
    if (lockTimeoutMs !== undefined) await tx.query("SELECT set_config('lock_timeout', $1, true)", [`${Math.max(1, Math.ceil(lockTimeoutMs))}ms`])
    if (mode === 'update') await tx.query('LOCK TABLE trading_state IN EXCLUSIVE MODE')
    const lock = mode === 'share' ? 'FOR SHARE' : 'FOR UPDATE'
    const row = (await tx.query<TradingStateRow>(`SELECT ${STATE_COLS} FROM trading_state WHERE id ${lock}`)).rows[0]
    if (!row) throw new TradingInvariantError('trading_state has no row: run the migrations')
    return row
  } catch (err) {
    if ((err as { code?: string }).code === LOCK_NOT_AVAILABLE) {
      throw new TradingBusyError(`the trading state is locked by other work: no lock within ${lockTimeoutMs} ms; retry shortly`, 1000, { cause: err })
    }
    throw err
  }
}

export async function readTradingState(q: Db | DbClient): Promise<TradingStateRow> {
  const row = (await q.query<TradingStateRow>(`SELECT ${STATE_COLS} FROM trading_state WHERE id`)).rows[0]
  if (!row) throw new TradingInvariantError('trading_state has no row: run the migrations')
  return row
}

export async function writeTradingState(
  tx: DbClient,
  s: { state: TradingStateName; reason: string; actor: string; exitId: string | null },
): Promise<TradingStateRow> {
  const { rows } = await tx.query<TradingStateRow>(
    `UPDATE trading_state SET state = $1, reason = $2, changed_by = $3, exit_id = $4, changed_at = clock_timestamp()
     WHERE id RETURNING ${STATE_COLS}`,
    [s.state, s.reason, s.actor, s.exitId],
  )
  return rows[0] as TradingStateRow
}

export async function writeAudit(
  tx: Db | DbClient,
  a: { actor: string; action: string; reason: string | null; details: Record<string, unknown> },
): Promise<void> {
  await tx.query('INSERT INTO audit_log (actor, action, reason, details) VALUES ($1, $2, $3, $4)', [a.actor, a.action, a.reason, JSON.stringify(a.details)])
}

export async function readPanicExit(q: Db | DbClient, exitId: string): Promise<PanicExitRow | null> {
  return (await q.query<PanicExitRow>('SELECT * FROM panic_exits WHERE exit_id = $1', [exitId])).rows[0] ?? null
}
