import type { Db } from '@pulsetrade/db'
import { PanicExitRunningError, ResumeAcknowledgementRequiredError, TradingInputError } from './errors'
import { panicRunLock } from './lock-keys'
import { listOpenPositions } from './positions-repo'
import { withStateLock, type StateChangeOptions } from './state-change'
import { readPanicExit, readTradingState, writeAudit, writeTradingState, type PanicExitRow, type TradingStateRow } from './trading-state-repo'
import type { TradingStateName } from './trading-types'

export interface TradingStateView extends TradingStateRow {
  /** The panic exit behind a HALTED state, with its status and report. */
  exit: PanicExitRow | null
}

export interface StateChange {
  actor: string
  reason: string
}

export interface ResumeChange extends StateChange {
  /**
   * Required (true) when the panic exit behind the HALT did not finish: the caller has seen the
   * positions still open (ResumeAcknowledgementRequiredError lists them) and re-arms anyway.
   */
  acknowledgeOpenPositions?: boolean
}

function requireChange(c: StateChange): void {
  if (!c.actor?.trim()) throw new TradingInputError('actor is required')
  if (!c.reason?.trim()) throw new TradingInputError('reason is required')
}

/** The current state (GET /strategist/state). It lives in Postgres, so it survives restarts. */
export async function getTradingState(db: Db): Promise<TradingStateView> {
  const row = await readTradingState(db)
  return { ...row, exit: row.exit_id ? await readPanicExit(db, row.exit_id) : null }
}

/**
 * Sets HALTED or REDUCING by hand (audited). ACTIVE goes through resume(). Leaving HALTED releases
 * its panic exit: the next panic exit starts a new one.
 */
export async function setTradingState(db: Db, change: StateChange & { state: TradingStateName }, opts: StateChangeOptions = {}): Promise<TradingStateRow> {
  if (change.state === 'ACTIVE') return resume(db, change, opts)
  requireChange(change)
  return withStateLock(db, opts, async (tx, before) => {
    const exitId = change.state === 'HALTED' ? before.exit_id : null
    const after = await writeTradingState(tx, { state: change.state, reason: change.reason, actor: change.actor, exitId })
    await writeAudit(tx, {
      actor: change.actor,
      action: 'trading.set_state',
      reason: change.reason,
      details: { from: before.state, to: after.state, exit_id: exitId },
    })
    return after
  })
}

/**
 * Re-arms trading (POST /strategist/resume): state ACTIVE, audited. Never automatic. Refused while
 * a panic exit is still flattening (checked first without the table lock, so a refused resume
 * neither queues nor stalls the exit); an exit whose runner died is closed as `failed` first. After
 * an exit that did not finish (`failed`), refused with ResumeAcknowledgementRequiredError listing
 * the positions still open, unless `acknowledgeOpenPositions` is true; the audit row keeps them.
 */
export async function resume(db: Db, change: ResumeChange, opts: StateChangeOptions = {}): Promise<TradingStateRow> {
  requireChange(change)
  const seen = (
    await db.query<{ exit_id: string | null; running: boolean | null }>(
      `SELECT ts.exit_id, CASE WHEN pe.status = 'running' THEN NOT ${panicRunLock('pg_try_advisory_xact_lock', 'ts.exit_id')} ELSE false END AS running
     FROM trading_state ts LEFT JOIN panic_exits pe ON pe.exit_id = ts.exit_id WHERE ts.id`,
    )
  ).rows[0]
  if (seen?.exit_id && seen.running === true) throw new PanicExitRunningError(seen.exit_id)
  return withStateLock(db, opts, async (tx, before) => {
    let unfinished: { exit_id: string; status: string; open_positions: Array<{ symbol: string; qty: number }> } | null = null
    if (before.exit_id) {
      // The run lock first, then the status: a runner that has just finished committed its status
      // before unlocking, so `running` read after a free lock means the runner is gone.
      const free = (await tx.query<{ ok: boolean }>(`SELECT ${panicRunLock('pg_try_advisory_xact_lock', '$1')} AS ok`, [before.exit_id])).rows[0]?.ok
      const exit = await readPanicExit(tx, before.exit_id)
      if (exit?.status === 'running') {
        if (!free) throw new PanicExitRunningError(exit.exit_id)
        await tx.query(
          `UPDATE panic_exits SET status = 'failed', finished_at = clock_timestamp(),
             report = report || jsonb_build_object('abandoned', $2::text) WHERE exit_id = $1 AND status = 'running'`,
          [exit.exit_id, `runner gone; closed by resume from ${change.actor}`],
        )
      }
      if (exit && exit.status !== 'done') {
        const open = (await listOpenPositions(tx)).map((p) => ({ symbol: p.symbol, qty: p.qty }))
        unfinished = { exit_id: exit.exit_id, status: exit.status === 'running' ? 'failed' : exit.status, open_positions: open }
        if (change.acknowledgeOpenPositions !== true) throw new ResumeAcknowledgementRequiredError(exit.exit_id, unfinished.status, open)
      }
    }
    const after = await writeTradingState(tx, { state: 'ACTIVE', reason: change.reason, actor: change.actor, exitId: null })
    await writeAudit(tx, {
      actor: change.actor,
      action: 'trading.resume',
      reason: change.reason,
      details: {
        from: before.state,
        to: 'ACTIVE',
        exit_id: before.exit_id,
        ...(unfinished ? { unfinished_exit: unfinished.status, acknowledged_open_positions: unfinished.open_positions } : {}),
      },
    })
    return after
  })
}
