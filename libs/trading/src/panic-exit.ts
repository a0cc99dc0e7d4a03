import { randomUUID } from 'node:crypto'
import { withTransaction, type Db } from '@pulsetrade/db'
import type { Logger } from 'pino'
import type { Broker } from './broker'
import { TradingInputError } from './errors'
import { loadRiskLimits, type RiskLimits } from './limits'
import { PANIC_RUN_LOCK } from './lock-keys'
import { runPanicSteps, type PanicReport } from './panic-steps'
import { lockTradingState, readPanicExit, writeAudit, writeTradingState } from './trading-state-repo'

export interface PanicExitOptions {
  reason: string
  actor: string
  broker: Broker
  logger: Logger
  /** Only the lot/qty semantics matter to reduce-only orders. @default the RISK_* defaults */
  limits?: RiskLimits
}

export interface PanicExitResult {
  exit_id: string
  state: 'HALTED'
  status: 'running' | 'done' | 'failed'
  /** False for a repeat or concurrent call that joined an existing exit. */
  created: boolean
  report: PanicReport | Record<string, unknown>
}

export interface PanicExitStart {
  exit_id: string
  state: 'HALTED'
  created: boolean
  /** Settles when the steps are over (never rejects: failures are in the report). */
  done: Promise<PanicExitResult>
}

/**
 * Step 0 of a panic exit, then the rest in the background: commits HALTED + a panic_exits row in
 * one transaction under trading_state FOR UPDATE, so every order placement in flight finishes first
 * and none after it can add risk. While the state stays HALTED with this exit (until resume), any
 * further call joins it and gets the same exit_id. A route answers 202 as soon as this resolves.
 */
export async function startPanicExit (db: Db, opts: PanicExitOptions): Promise<PanicExitStart> {
  if (!opts.actor?.trim()) throw new TradingInputError('actor is required')
  if (!opts.reason?.trim()) throw new TradingInputError('reason is required')
  const log = opts.logger.child({ component: 'panic-exit' })
  const { exitId, created } = await withTransaction(db, async (tx) => {
    const st = await lockTradingState(tx, 'update')
    if (st.state === 'HALTED' && st.exit_id) return { exitId: st.exit_id, created: false }
    const id = `px_${randomUUID()}`
    await tx.query(
      `INSERT INTO panic_exits (exit_id, reason, requested_by, status, report, created_at)
       VALUES ($1, $2, $3, 'running', '{}'::jsonb, clock_timestamp())`, [id, opts.reason, opts.actor])
    await writeTradingState(tx, { state: 'HALTED', reason: `panic exit: ${opts.reason}`, actor: opts.actor, exitId: id })
    await writeAudit(tx, { actor: opts.actor, action: 'trading.panic_exit', reason: opts.reason, details: { exit_id: id, from: st.state, to: 'HALTED' } })
    return { exitId: id, created: true }
  })
  log.warn({ exit_id: exitId, created, actor: opts.actor, reason: opts.reason }, created ? 'panic exit: trading HALTED' : 'panic exit: joined the running exit')
  const done = runExclusive(db, exitId, created, opts, log).catch(async (err: Error) => {
    log.error({ err, exit_id: exitId }, 'panic exit: steps crashed; state stays HALTED')
    return result(db, exitId, created)
  })
  return { exit_id: exitId, state: 'HALTED', created, done }
}

/** startPanicExit and wait for its steps: {exit_id, state, status, report}. */
export async function panicExit (db: Db, opts: PanicExitOptions): Promise<PanicExitResult> {
  return (await startPanicExit(db, opts)).done
}

async function result (db: Db, exitId: string, created: boolean): Promise<PanicExitResult> {
  const row = await readPanicExit(db, exitId)
  return { exit_id: exitId, state: 'HALTED', status: row?.status ?? 'failed', created, report: row?.report ?? {} }
}

/**
 * Runs the steps unless another process holds the run lock (then it reports what is stored). A
 * `done` exit is never rerun; a `failed` one (or one whose runner died) is retried by a repeat call.
 */
async function runExclusive (db: Db, exitId: string, created: boolean, opts: PanicExitOptions, log: Logger): Promise<PanicExitResult> {
  const runner = await db.connect()
  let locked = false
  try {
    locked = (await runner.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [PANIC_RUN_LOCK])).rows[0]?.ok === true
    if (!locked) return await result(db, exitId, created)
    const row = await readPanicExit(runner, exitId)
    if (!row || row.status === 'done') return await result(db, exitId, created)
    if (row.status === 'failed') await runner.query("UPDATE panic_exits SET status = 'running', finished_at = NULL WHERE exit_id = $1", [exitId])
    const report = await runPanicSteps(db, { exitId, broker: opts.broker, limits: opts.limits ?? loadRiskLimits(), logger: log })
    const status = report.ok ? 'done' : 'failed'
    await runner.query(
      'UPDATE panic_exits SET status = $2, report = $3, finished_at = clock_timestamp() WHERE exit_id = $1',
      [exitId, status, JSON.stringify(report)])
    log[report.ok ? 'info' : 'error']({ exit_id: exitId, status, report }, `panic exit ${status}`)
    return { exit_id: exitId, state: 'HALTED', status, created, report }
  } finally {
    if (locked) await runner.query('SELECT pg_advisory_unlock($1)', [PANIC_RUN_LOCK]).catch(() => {})
    runner.release()
  }
}
