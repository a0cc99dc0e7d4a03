import { createPool } from '@pulsetrade/db'
import { afterAll, beforeEach, describe, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import type { Broker } from '../src/broker'
import { PanicExitRunningError, TradingInputError } from '../src/errors'
import { panicExit, startPanicExit } from '../src/panic-exit'
import type { PanicReport } from '../src/panic-steps'
import { createPaperBroker } from '../src/paper-broker'
import { listOpenPositions } from '../src/positions-repo'
import { submitOrder } from '../src/submit-order'
import { getTradingState, resume } from '../src/trading-state'
import type { OrderRequest } from '../src/place-order'
import { quietLogger, resetTrading, testLimits, testOrder } from './fixtures'

const db = await testDatabase()
const broker = createPaperBroker({ db: db.pool, slippageBps: 1 })
const logger = quietLogger()
const limits = testLimits()
const buy = (symbol: string, qty: number, o: Partial<OrderRequest> = {}): OrderRequest => testOrder(broker, { symbol, side: 'buy', qty, limits, logger, ...o })
const panic = (b: Broker = broker, actor = 'ops@desk') => panicExit(db.pool, { reason: 'venue incident', actor, broker: b, logger, limits })

/** Long SPX, long AAA, short BBB (via a sell), plus one open order; bars for SPX and AAA only. */
async function seed(): Promise<void> {
  await db.pool.query(`INSERT INTO market_bars (symbol, ts, open, high, low, close, volume) VALUES
    ('SPX', '2024-03-01T21:00:00Z', 100, 101, 99, 101, 1), ('AAA', '2024-03-01T21:00:00Z', 100, 101, 99, 99, 1)
    ON CONFLICT DO NOTHING`)
  await submitOrder(db.pool, buy('SPX', 5))
  await submitOrder(db.pool, buy('AAA', 3))
  await submitOrder(db.pool, buy('BBB', 4, { side: 'sell' }))
  await db.pool.query(`INSERT INTO orders (symbol, side, qty, ref_price, status) VALUES ('SPX', 'buy', 1, 100, 'open')`)
  expect((await listOpenPositions(db.pool)).map((p) => [p.symbol, p.qty])).toEqual([
    ['AAA', 3],
    ['BBB', -4],
    ['SPX', 5],
  ])
}

beforeEach(async () => {
  await resetTrading(db.pool)
})

describe('panicExit', () => {
  test('two concurrent calls share one exit_id, flatten all three positions and leave the state HALTED', { timeout: 15_000 }, async () => {
    await seed()
    const [a, b] = await Promise.all([panic(broker, 'alice'), panic(broker, 'bob')])
    expect(a.exit_id).toBe(b.exit_id)
    expect([a.created, b.created].sort()).toEqual([false, true])
    expect(await listOpenPositions(db.pool)).toEqual([])
    const state = await getTradingState(db.pool)
    expect(state).toMatchObject({ state: 'HALTED', exit_id: a.exit_id })
    expect(state.exit).toMatchObject({ status: 'done' })
    expect((await db.pool.query('SELECT count(*)::int AS n FROM panic_exits')).rows[0].n).toBe(1)

    const { rows } = await db.pool.query(
      `SELECT symbol, side, qty, status, mode, risk_reducing, gate->>'reason_code' AS code
      FROM orders WHERE exit_id = $1 ORDER BY symbol`,
      [a.exit_id],
    )
    expect(rows).toEqual([
      { symbol: 'AAA', side: 'sell', qty: 3, status: 'filled', mode: 'reduce_only', risk_reducing: true, code: 'RISK_REDUCING' },
      { symbol: 'BBB', side: 'buy', qty: 4, status: 'filled', mode: 'reduce_only', risk_reducing: true, code: 'RISK_REDUCING' },
      { symbol: 'SPX', side: 'sell', qty: 5, status: 'filled', mode: 'reduce_only', risk_reducing: true, code: 'RISK_REDUCING' },
    ])
    const report = (a.created ? a : b).report as PanicReport
    expect(report.cancel.cancelled).toHaveLength(1)
    expect(report.flatten.orders.map((o) => [o.symbol, o.price_source])).toEqual([
      ['AAA', 'last_bar'],
      ['BBB', 'avg_price'],
      ['SPX', 'last_bar'],
    ])
    expect((await db.pool.query("SELECT count(*)::int AS n FROM orders WHERE status = 'open'")).rows[0].n).toBe(0)
    expect((await db.pool.query("SELECT actor, action FROM audit_log WHERE action = 'trading.panic_exit'")).rows).toHaveLength(1)
  })

  test('no risk-increasing order is placed after the HALTED row is committed, while workers keep submitting', { timeout: 20_000 }, async () => {
    await seed()
    let stop = false
    const deadline = Date.now() + 10_000
    let placed = 0
    let deniedAfter = 0
    let halted = false
    const worker = async (symbol: string): Promise<void> => {
      while (!stop && Date.now() < deadline) {
        const { order } = await submitOrder(db.pool, buy(symbol, 1))
        if (order.status === 'filled') placed++
        if (halted && order.status === 'denied') deniedAfter++
      }
    }
    const workers = ['SPX', 'AAA', 'BBB', 'SPX'].map(worker)
    while (placed < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    const [a, b] = await Promise.all([panic(), panic()])
    halted = true
    while (deniedAfter < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    stop = true
    await Promise.all(workers)

    expect(a.exit_id).toBe(b.exit_id)
    const haltedAt = (await db.pool.query('SELECT created_at FROM panic_exits WHERE exit_id = $1', [a.exit_id])).rows[0].created_at as Date
    const { rows } = await db.pool.query(
      `SELECT
        count(*) FILTER (WHERE status = 'filled' AND created_at < $1)::int AS filled_before,
        count(*) FILTER (WHERE status = 'filled' AND created_at > $1)::int AS filled_after,
        count(*) FILTER (WHERE status = 'denied' AND created_at > $1 AND gate->>'reason_code' = 'RISK_STATE_HALTED')::int AS halted_denials
      FROM orders WHERE mode <> 'reduce_only'`,
      [haltedAt],
    )
    expect(rows[0].filled_before).toBeGreaterThanOrEqual(20)
    expect(rows[0].filled_after).toBe(0)
    expect(rows[0].halted_denials).toBeGreaterThanOrEqual(8)
    expect(await listOpenPositions(db.pool)).toEqual([])
    expect((await getTradingState(db.pool)).state).toBe('HALTED')
  })

  test('a failing step is reported, the state stays HALTED, and a repeat call retries the same exit', { timeout: 15_000 }, async () => {
    await seed()
    const flaky: Broker = {
      ...broker,
      submit: async (o, tx) => {
        if (o.symbol === 'AAA') throw new Error('AAA venue down')
        return broker.submit(o, tx)
      },
    }
    const first = await panic(flaky)
    expect(first).toMatchObject({ state: 'HALTED', status: 'failed', created: true })
    const report = first.report as PanicReport
    expect(report.flatten.orders.find((o) => o.symbol === 'AAA')).toMatchObject({ ok: false, status: 'rejected' })
    expect(report.verify).toMatchObject({ ok: false, open_positions: [{ symbol: 'AAA', qty: 3 }] })
    expect(await getTradingState(db.pool)).toMatchObject({ state: 'HALTED', exit: { status: 'failed' } })

    const again = await panic()
    expect(again).toMatchObject({ exit_id: first.exit_id, status: 'done', created: false })
    expect(await listOpenPositions(db.pool)).toEqual([])
  })

  test('a repeat after completion returns the same exit_id without new orders; resume re-arms and the next panic is new', { timeout: 15_000 }, async () => {
    await seed()
    const first = await panic()
    const orders = (await db.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n
    const again = await panic()
    expect(again).toMatchObject({ exit_id: first.exit_id, status: 'done', created: false })
    expect((await db.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(orders)

    await expect(resume(db.pool, { actor: 'ops', reason: '' })).rejects.toBeInstanceOf(TradingInputError)
    expect(await resume(db.pool, { actor: 'ops', reason: 'venue back' })).toMatchObject({ state: 'ACTIVE', exit_id: null, changed_by: 'ops' })
    const audit = (await db.pool.query("SELECT actor, reason, details FROM audit_log WHERE action = 'trading.resume'")).rows
    expect(audit).toEqual([{ actor: 'ops', reason: 'venue back', details: { from: 'HALTED', to: 'ACTIVE', exit_id: first.exit_id } }])
    expect((await submitOrder(db.pool, buy('SPX', 1))).order.status).toBe('filled')
    const next = await panic()
    expect(next.exit_id).not.toBe(first.exit_id)
    expect(next.created).toBe(true)
  })

  test('resume is refused while the exit is still flattening', { timeout: 15_000 }, async () => {
    await seed()
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const slow: Broker = {
      ...broker,
      positions: async (tx) => {
        await gate
        return broker.positions(tx)
      },
    }
    const started = await startPanicExit(db.pool, { reason: 'test', actor: 'ops', broker: slow, logger, limits })
    expect(started).toMatchObject({ state: 'HALTED', created: true })
    await expect(resume(db.pool, { actor: 'ops', reason: 'too early' })).rejects.toBeInstanceOf(PanicExitRunningError)
    release()
    expect(await started.done).toMatchObject({ status: 'done' })
    expect(await resume(db.pool, { actor: 'ops', reason: 'flat now' })).toMatchObject({ state: 'ACTIVE' })
  })

  test('the HALTED state and its exit survive a restart (a fresh pool reads them from Postgres)', { timeout: 15_000 }, async () => {
    const { exit_id } = await panic()
    const fresh = createPool({ connectionString: db.url, max: 2 })
    afterAll(async () => {
      await fresh.end()
    })
    expect(await getTradingState(fresh)).toMatchObject({ state: 'HALTED', exit_id, exit: { exit_id, status: 'done' } })
    expect((await submitOrder(fresh, buy('SPX', 1))).order).toMatchObject({ status: 'denied' })
  })
})
