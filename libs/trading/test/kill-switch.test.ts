import type { PoolClient } from 'pg'
import { beforeEach, describe, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { ResumeAcknowledgementRequiredError } from '../src/errors'
import { panicExit, startPanicExit } from '../src/panic-exit'
import type { PanicReport } from '../src/panic-steps'
import { createPaperBroker } from '../src/paper-broker'
import { placeOrderInTx, type OrderRequest } from '../src/place-order'
import { getPosition } from '../src/positions-repo'
import { submitOrder } from '../src/submit-order'
import { getTradingState, resume } from '../src/trading-state'
import { quietLogger, resetTrading, testLimits, testOrder } from './fixtures'

// Issue 15: the kill switch always wins. A HALT must not wait for placements that wait for rows
// other sessions hold, nor for placements that stall after their insert; and nothing they do
// afterwards may add risk.

const db = await testDatabase()
const broker = createPaperBroker({ db: db.pool, slippageBps: 1 })
const logger = quietLogger()
const limits = testLimits({ RISK_SYMBOL_ALLOWLIST: 'SPX,DIA' })
const order = (symbol: string, side: 'buy' | 'sell', qty: number): OrderRequest => testOrder(broker, { symbol, side, qty, limits, logger })

beforeEach(async () => {
  await resetTrading(db.pool)
  await db.pool.query(`INSERT INTO market_bars (symbol, ts, open, high, low, close, volume) VALUES
    ('DIA', '2024-03-01T21:00:00Z', 100, 101, 99, 100, 1), ('SPX', '2024-03-01T21:00:00Z', 100, 101, 99, 100, 1) ON CONFLICT DO NOTHING`)
  await submitOrder(db.pool, order('DIA', 'sell', 20)) // short DIA 20
  await submitOrder(db.pool, order('SPX', 'buy', 5))
})

/** Another session holding DIA's position row FOR UPDATE, as in the drill. */
async function lockDia(): Promise<PoolClient> {
  const c = await db.pool.connect()
  await c.query('BEGIN')
  await c.query("SELECT 1 FROM positions WHERE symbol = 'DIA' FOR UPDATE")
  return c
}

/** Waits until `n` sessions wait for a lock (the placements are really stuck, not yet started). */
async function waitingForLocks(n: number): Promise<void> {
  const deadline = Date.now() + 5000
  while (Date.now() < deadline) {
    const { rows } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
    )
    if (rows[0]!.n >= n) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no ${n} session(s) waiting for a lock after 5 s`)
}

describe('the kill switch always wins', () => {
  test('a placement waiting for a position row held elsewhere does not delay the HALT, and is denied once it gets the row', { timeout: 20_000 }, async () => {
    const locker = await lockDia()
    try {
      const stuck = submitOrder(db.pool, order('DIA', 'sell', 10)) // risk-increasing: the short grows
      await waitingForLocks(1)
      const t0 = performance.now()
      const start = await startPanicExit(db.pool, { reason: 'drill', actor: 'ops', broker, logger, limits, lockTimeoutMs: 5000, flattenLockTimeoutMs: 200 })
      const haltMs = performance.now() - t0
      expect(start.state).toBe('HALTED')
      expect(haltMs).toBeLessThan(1000)
      expect((await getTradingState(db.pool)).state).toBe('HALTED')
      await locker.query('COMMIT')
      const out = await stuck
      expect(out.order).toMatchObject({ status: 'denied', symbol: 'DIA' })
      expect(out.verdict.reason_code).toBe('RISK_STATE_HALTED')
      await start.done
    } finally {
      locker.release()
    }
    const filledAfter = await db.pool.query(`SELECT count(*)::int AS n FROM orders o, panic_exits p
      WHERE o.status = 'filled' AND o.mode <> 'reduce_only' AND o.created_at > p.created_at`)
    expect(filledAfter.rows[0].n).toBe(0)
    expect([-20, 0]).toContain((await getPosition(db.pool, 'DIA'))!.qty) // flattened or not (the exit may get the row once it is free), never grown
  })

  test('a placement that stalls after its insert is ended by the HALT within 1 s and its order never commits', { timeout: 20_000 }, async () => {
    const stalled = await db.pool.connect()
    let stalledErr: unknown = null
    try {
      await stalled.query('BEGIN')
      const placed = await placeOrderInTx(stalled, order('SPX', 'buy', 7)) // filled inside the open transaction
      expect(placed.order.status).toBe('filled')
      // ... and its client never commits (a hung process holding the transaction open).
      const t0 = performance.now()
      const start = await startPanicExit(db.pool, { reason: 'drill', actor: 'ops', broker, logger, limits, lockTimeoutMs: 5000 })
      expect(performance.now() - t0).toBeLessThan(1000)
      expect(start.state).toBe('HALTED')
      await stalled.query('COMMIT').catch((err: unknown) => {
        stalledErr = err
      })
      expect(stalledErr).not.toBeNull()
      const done = await start.done
      expect(done.status).toBe('done')
    } finally {
      stalled.release((stalledErr as Error) ?? undefined)
    }
    // The stalled buy of 7 never committed; the exit flattened the 5 that had.
    expect((await db.pool.query("SELECT count(*)::int AS n FROM orders WHERE symbol = 'SPX' AND qty = 7")).rows[0].n).toBe(0)
    expect((await getPosition(db.pool, 'SPX'))!.qty).toBe(0)
  })

  test('an exit that could not flatten a locked position ends failed, and resume needs the acknowledgement that lists it', { timeout: 20_000 }, async () => {
    const locker = await lockDia()
    let exitId: string
    try {
      const res = await panicExit(db.pool, { reason: 'drill', actor: 'ops', broker, logger, limits, flattenLockTimeoutMs: 200 })
      exitId = res.exit_id
      expect(res.status).toBe('failed')
      const report = res.report as PanicReport
      expect(report.flatten.orders.find((o) => o.symbol === 'DIA')).toMatchObject({ ok: false, error: expect.stringContaining('locked by another session') })
      expect(report.flatten.orders.find((o) => o.symbol === 'SPX')).toMatchObject({ ok: true, status: 'filled' })
      expect(report.verify.open_positions).toEqual([{ symbol: 'DIA', qty: -20 }])
    } finally {
      await locker.query('COMMIT')
      locker.release()
    }
    const refused = await resume(db.pool, { actor: 'ops', reason: 'venue back' }).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(ResumeAcknowledgementRequiredError)
    expect(refused).toMatchObject({ statusCode: 409, exitId, exitStatus: 'failed', openPositions: [{ symbol: 'DIA', qty: -20 }] })
    expect((await getTradingState(db.pool)).state).toBe('HALTED')

    expect(await resume(db.pool, { actor: 'ops', reason: 'venue back', acknowledgeOpenPositions: true })).toMatchObject({ state: 'ACTIVE' })
    const audit = (await db.pool.query("SELECT details FROM audit_log WHERE action = 'trading.resume'")).rows
    expect(audit).toEqual([
      { details: { from: 'HALTED', to: 'ACTIVE', exit_id: exitId, unfinished_exit: 'failed', acknowledged_open_positions: [{ symbol: 'DIA', qty: -20 }] } },
    ])
  })
})
