import { randomUUID } from 'node:crypto'
import { inTransaction, type Db, type DbClient } from '@pulsetrade/db'
import type { Logger } from 'pino'
import type { Broker } from './broker'
import { TradingBusyError, TradingInputError } from './errors'
import { loadRiskLimits, type RiskLimits } from './limits'
import { PANIC_RUN_LOCK, panicRunLock } from './lock-keys'
import { runPanicSteps, type PanicReport } from './panic-steps'
import { queued, type StateChangeOptions } from './state-change'
import { lockTradingState, readPanicExit, readTradingState, writeAudit, writeTradingState, type TradingStateRow } from './trading-state-repo'

export interface PanicExitOptions extends StateChangeOptions {
  reason: string
  actor: string
  broker: Broker
  logger: Logger
  /** Only the lot/qty semantics matter to reduce-only orders. @default the RISK_* defaults */
  limits?: RiskLimits
  /** Longest wait for one position row another session holds while flattening. @default 2000 */
  flattenLockTimeoutMs?: number
  /**
   * How long the HALT waits for placements past their insert before it ends their sessions
   * (they hold trading_state FOR SHARE and should commit in milliseconds). @default 250
   */
  haltPatienceMs?: number
}

/** See PanicExitOptions.haltPatienceMs. */
export const DEFAULT_HALT_PATIENCE_MS = 250

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

interface StepsContext {
  exitId: string
  created: boolean
  broker: Broker
  limits: RiskLimits
  logger: Logger
  flattenLockTimeoutMs?: number
}

/**
 * Step 0 of a panic exit, then the rest in the background: commits HALTED + a panic_exits row in
 * one transaction under the trading_state table lock, so every order placement in flight finishes
 * first and none after it can add risk. While the state stays HALTED with this exit (until resume),
 * any further call joins it and gets the same exit_id; a join only reads the state (no table lock,
 * no queue). The connection that created the exit takes the exit's run lock before committing and
 * runs every step itself, so the steps never wait for another connection. A route answers 202 as
 * soon as this resolves.
 */
export async function startPanicExit(db: Db, opts: PanicExitOptions): Promise<PanicExitStart> {
  if (!opts.actor?.trim()) throw new TradingInputError('actor is required')
  if (!opts.reason?.trim()) throw new TradingInputError('reason is required')
  const log = opts.logger.child({ component: 'panic-exit' })
  const seen = await readTradingState(db)
  const start =
    seen.state === 'HALTED' && seen.exit_id
      ? { exitId: seen.exit_id, created: false, runner: null }
      : await queued(opts, (lockTimeoutMs) => createExit(db, opts, lockTimeoutMs, log))
  const { exitId, created, runner } = start
  log.warn({ exit_id: exitId, created, actor: opts.actor, reason: opts.reason }, created ? 'panic exit: trading HALTED' : 'panic exit: joined the running exit')
  const ctx: StepsContext = {
    exitId,
    created,
    broker: opts.broker,
    limits: opts.limits ?? loadRiskLimits(),
    logger: log,
    ...(opts.flattenLockTimeoutMs === undefined ? {} : { flattenLockTimeoutMs: opts.flattenLockTimeoutMs }),
  }
  const done = (runner ? runHeld(runner, ctx) : runExclusive(db, ctx)).catch(async (err: Error) => {
    log.error({ err, exit_id: exitId }, 'panic exit: steps crashed; state stays HALTED')
    return result(db, ctx)
  })
  return { exit_id: exitId, state: 'HALTED', created, done }
}

/** startPanicExit and wait for its steps: {exit_id, state, status, report}. */
export async function panicExit(db: Db, opts: PanicExitOptions): Promise<PanicExitResult> {
  return (await startPanicExit(db, opts)).done
}

/**
 * The HALT transaction. When it creates the exit, its connection comes back holding the exit's run
 * lock (taken before the commit: a resume never sees the new exit running without its runner).
 */
async function createExit(
  db: Db,
  opts: PanicExitOptions,
  lockTimeoutMs: number | undefined,
  log: Logger,
): Promise<{ exitId: string; created: boolean; runner: DbClient | null }> {
  const conn = await db.connect()
  let locked = false
  try {
    const out = await inTransaction(conn, async (tx) => {
      const st = await lockForHalt(tx, lockTimeoutMs, opts.haltPatienceMs ?? DEFAULT_HALT_PATIENCE_MS, log)
      if (st.state === 'HALTED' && st.exit_id) return { exitId: st.exit_id, created: false }
      const id = `px_${randomUUID()}`
      await tx.query(
        `INSERT INTO panic_exits (exit_id, reason, requested_by, status, report, created_at)
         VALUES ($1, $2, $3, 'running', '{}'::jsonb, clock_timestamp())`,
        [id, opts.reason, opts.actor],
      )
      await writeTradingState(tx, { state: 'HALTED', reason: `panic exit: ${opts.reason}`, actor: opts.actor, exitId: id })
      await writeAudit(tx, { actor: opts.actor, action: 'trading.panic_exit', reason: opts.reason, details: { exit_id: id, from: st.state, to: 'HALTED' } })
      // A fresh id: nobody else can hold its lock. Session-scoped, so it outlives the commit.
      locked = (await tx.query<{ ok: boolean }>(`SELECT ${panicRunLock('pg_try_advisory_lock', '$1')} AS ok`, [id])).rows[0]?.ok === true
      return { exitId: id, created: true }
    })
    if (locked) return { ...out, runner: conn }
    conn.release()
    return { ...out, runner: null }
  } catch (err) {
    // A run lock taken before a failed commit would outlive the rollback: drop the session with it.
    conn.release(locked ? (err as Error) : undefined)
    throw err
  }
}

/**
 * The HALT's table lock (`LOCK TABLE trading_state IN EXCLUSIVE MODE`), which waits only for
 * placements past their insert (the only ones holding trading_state FOR SHARE; placements that
 * wait for a position row hold nothing it needs). Those commit in milliseconds; one that has not
 * after `patienceMs` is stuck (a client that stalled mid-transaction, a row lock on its forecast),
 * so its session is ended (`pg_terminate_backend`: its transaction rolls back and its order is
 * never written) and the lock is taken in what is left of the budget. Sessions holding a panic
 * exit's run lock (a flatten in progress) are never ended.
 */
async function lockForHalt(tx: DbClient, budgetMs: number | undefined, patienceMs: number, log: Logger): Promise<TradingStateRow> {
  const started = Date.now()
  const budget = budgetMs ?? 5000
  if (patienceMs >= budget) return lockTradingState(tx, 'update', budget)
  await tx.query('SAVEPOINT halt_lock')
  try {
    const row = await lockTradingState(tx, 'update', patienceMs)
    await tx.query('RELEASE SAVEPOINT halt_lock')
    return row
  } catch (err) {
    if (!(err instanceof TradingBusyError)) throw err
    await tx.query('ROLLBACK TO SAVEPOINT halt_lock')
  }
  await tx.query('SAVEPOINT halt_end')
  try {
    const { rows } = await tx.query<{ pid: number; ended: boolean; application_name: string; state: string; age_ms: number }>(END_BLOCKERS, [PANIC_RUN_LOCK])
    await tx.query('RELEASE SAVEPOINT halt_end')
    log.warn(
      { sessions: rows, patience_ms: patienceMs },
      `panic exit: ended ${rows.filter((r) => r.ended).length} session(s) holding trading_state FOR SHARE for more than ${patienceMs} ms`,
    )
  } catch (err) {
    // E.g. a role that may not signal those sessions: wait for the rest of the budget instead.
    await tx.query('ROLLBACK TO SAVEPOINT halt_end')
    log.error({ err }, 'panic exit: could not end the sessions that delay the HALT; waiting for them')
  }
  return lockTradingState(tx, 'update', Math.max(1, budget - (Date.now() - started)))
}

/** Sessions holding trading_state's ROW SHARE lock (placements past their insert), except panic runners ($1 = the run-lock class). */
const END_BLOCKERS = `SELECT l.pid, pg_terminate_backend(l.pid) AS ended, a.application_name, a.state,
    (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::int AS age_ms
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'relation' AND l.relation = 'trading_state'::regclass AND l.mode = 'RowShareLock' AND l.granted
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.pid <> pg_backend_pid()
    AND NOT EXISTS (SELECT 1 FROM pg_locks r WHERE r.pid = l.pid AND r.locktype = 'advisory' AND r.classid = $1::int::oid AND r.objsubid = 2)`

async function result(q: Db | DbClient, ctx: StepsContext): Promise<PanicExitResult> {
  const row = await readPanicExit(q, ctx.exitId)
  return { exit_id: ctx.exitId, state: 'HALTED', status: row?.status ?? 'failed', created: ctx.created, report: row?.report ?? {} }
}

/** Runs the steps on `runner`, which holds the exit's run lock, then records the outcome, unlocks and releases it. */
async function runHeld(runner: DbClient, ctx: StepsContext): Promise<PanicExitResult> {
  try {
    const report = await runPanicSteps(runner, ctx)
    const status = report.ok ? 'done' : 'failed'
    await runner.query('UPDATE panic_exits SET status = $2, report = $3, finished_at = clock_timestamp() WHERE exit_id = $1', [
      ctx.exitId,
      status,
      JSON.stringify(report),
    ])
    ctx.logger[report.ok ? 'info' : 'error']({ exit_id: ctx.exitId, status, report }, `panic exit ${status}`)
    return { exit_id: ctx.exitId, state: 'HALTED', status, created: ctx.created, report }
  } finally {
    await runner.query(`SELECT ${panicRunLock('pg_advisory_unlock', '$1')}`, [ctx.exitId]).catch(() => {})
    runner.release()
  }
}

/**
 * A call that joined the exit: runs the steps only if nobody holds the exit's run lock, the state
 * is still HALTED by this exit and the exit is not done (a `failed` exit, or one whose runner
 * died, is retried); otherwise it reports what is stored. The check and the `running` mark commit
 * under trading_state FOR SHARE, so a resume comes either before it (and nothing runs) or after it
 * (and finds the exit running with its runner).
 */
async function runExclusive(db: Db, ctx: StepsContext): Promise<PanicExitResult> {
  const conn = await db.connect()
  let locked = false
  let run = false
  try {
    locked = (await conn.query<{ ok: boolean }>(`SELECT ${panicRunLock('pg_try_advisory_lock', '$1')} AS ok`, [ctx.exitId])).rows[0]?.ok === true
    if (!locked) return await result(conn, ctx)
    run = await inTransaction(conn, async (tx) => {
      const st = await lockTradingState(tx, 'share')
      const row = await readPanicExit(tx, ctx.exitId)
      if (st.state !== 'HALTED' || st.exit_id !== ctx.exitId || !row || row.status === 'done') return false
      if (row.status === 'failed') await tx.query("UPDATE panic_exits SET status = 'running', finished_at = NULL WHERE exit_id = $1", [ctx.exitId])
      return true
    })
    if (!run) return await result(conn, ctx)
  } finally {
    if (!run) {
      if (locked) await conn.query(`SELECT ${panicRunLock('pg_advisory_unlock', '$1')}`, [ctx.exitId]).catch(() => {})
      conn.release()
    }
  }
  return runHeld(conn, ctx)
}
