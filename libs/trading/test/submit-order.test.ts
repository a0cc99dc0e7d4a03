import type { DbClient } from '@pulsetrade/db'
import { beforeEach, describe, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import type { Broker } from '../src/broker'
import { InvalidOrderError } from '../src/errors'
import { createPaperBroker } from '../src/paper-broker'
import { getPosition } from '../src/positions-repo'
import { submitOrder } from '../src/submit-order'
import { setTradingState } from '../src/trading-state'
import { placeOrderInTx, type OrderRequest } from '../src/place-order'
import { insertForecast, memoryLogger, quietLogger, resetTrading, testDecide, testLimits } from './fixtures'

const db = await testDatabase()
const broker = createPaperBroker({ db: db.pool, slippageBps: 10 })
const now = new Date('2024-03-01T21:00:00Z')
const req = (o: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: 'SPX',
  side: 'buy',
  qty: 10,
  refPrice: 5000,
  lastClose: 5000,
  priceTs: '2024-03-01T20:00:00Z',
  now,
  decide: testDecide(),
  limits: testLimits(),
  broker,
  logger: quietLogger(),
  ...o,
})

beforeEach(async () => {
  await resetTrading(db.pool)
})

describe('submitOrder', () => {
  test('an allowed order fills at ref + slippage and moves the position in the same transaction', async () => {
    const { order, verdict, duplicate } = await submitOrder(db.pool, req())
    expect(duplicate).toBe(false)
    expect(order).toMatchObject({ status: 'filled', qty: 10, mode: 'enforce', risk_reducing: false, ref_price: 5000 })
    expect(order.fill_price).toBeCloseTo(5005, 6)
    expect(order.gate).toMatchObject({ effective: 'allow', reason_code: 'TEST_ALLOW', checks: verdict.checks })
    expect(verdict.checks?.map((c) => [c.check, c.code])).toEqual([
      ['state', 'OK'],
      ['symbol', 'OK'],
      ['qty', 'OK'],
      ['price_freshness', 'OK'],
      ['collar', 'OK'],
      ['order_notional', 'OK'],
      ['position_notional', 'OK'],
      ['throttle', 'OK'],
    ])
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 10, avg_price: order.fill_price })
  })

  test('a denying decision stores a denied order with the decision whole and leaves the position alone', async () => {
    const { order } = await submitOrder(db.pool, req({ decide: testDecide({ deny: true }) }))
    expect(order).toMatchObject({ status: 'denied', fill_price: null, qty: 10 })
    expect(order.gate).toMatchObject({ effective: 'deny', reason_code: 'TEST_DENY', fail_reason: 'llm_denied' })
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 0 })
  })

  test("the decision's smaller quantity is what fills", async () => {
    const { order } = await submitOrder(db.pool, req({ qty: 7, decide: testDecide({ qty: 3 }) }))
    expect(order).toMatchObject({ status: 'filled', qty: 3 })
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 3 })
  })

  test('a risk-reducing order fills as reduce_only_allowed, also in REDUCING state', async () => {
    await submitOrder(db.pool, req({ qty: 10 }))
    await setTradingState(db.pool, { state: 'REDUCING', actor: 'ops', reason: 'drawdown' })
    const up = await submitOrder(db.pool, req({ qty: 1 }))
    expect(up.order).toMatchObject({ status: 'denied' })
    expect(up.order.gate).toMatchObject({ reason_code: 'RISK_STATE_REDUCING' })
    const down = await submitOrder(db.pool, req({ side: 'sell', qty: 4, decide: testDecide({ deny: true }), refPrice: 5010, riskReducing: true }))
    expect(down.order).toMatchObject({ status: 'filled', risk_reducing: true, qty: 4 })
    expect(down.order.gate).toMatchObject({ effective: 'reduce_only_allowed', reason_code: 'RISK_REDUCING' })
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 6 })
  })

  test('rejects a malformed order before touching the database', async () => {
    await expect(submitOrder(db.pool, req({ qty: 0 }))).rejects.toBeInstanceOf(InvalidOrderError)
    expect((await db.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0)
  })

  test('a position outside the allow-list can still be reduced, and an order there cannot add to it', async () => {
    await db.pool.query("INSERT INTO positions (symbol, qty, avg_price) VALUES ('TSLA', 5, 200)")
    const up = await submitOrder(db.pool, req({ symbol: 'TSLA', qty: 1, refPrice: 200, lastClose: 200 }))
    expect(up.order.gate).toMatchObject({ reason_code: 'RISK_SYMBOL_NOT_ALLOWED' })
    const down = await submitOrder(db.pool, req({ symbol: 'TSLA', side: 'sell', qty: 5, refPrice: 210, lastClose: 210 }))
    expect(down.order).toMatchObject({ status: 'filled', risk_reducing: true })
    expect(await getPosition(db.pool, 'TSLA')).toMatchObject({ qty: 0, avg_price: 0 })
    expect((await db.pool.query("SELECT count(*)::int AS n FROM positions WHERE symbol = 'OTHER'")).rows[0].n).toBe(0)
    await submitOrder(db.pool, req({ symbol: 'OTHER' }))
    expect((await db.pool.query("SELECT count(*)::int AS n FROM positions WHERE symbol = 'OTHER'")).rows[0].n).toBe(0)
  })

  test('a broker failure rejects the order but keeps its row and the position unchanged', async () => {
    const failing: Broker = {
      ...broker,
      name: 'failing',
      submit: async () => {
        throw new Error('venue down')
      },
    }
    const { order } = await submitOrder(db.pool, req({ broker: failing }))
    expect(order).toMatchObject({ status: 'rejected' })
    expect(order.gate).toMatchObject({ broker_error: { message: 'venue down' } })
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 0 })
  })

  test('a broker that fails after writing is rolled back to the savepoint: rejected row kept, position unchanged', async () => {
    const partial: Broker = {
      name: 'partial',
      cancel: broker.cancel,
      positions: broker.positions,
      submit: async (o, tx) => {
        await tx!.query('UPDATE positions SET qty = qty + $2 WHERE symbol = $1', [o.symbol, o.qty])
        throw new Error('venue dropped the ack')
      },
    }
    const { order } = await submitOrder(db.pool, req({ broker: partial }))
    expect(order).toMatchObject({ status: 'rejected', gate: { broker_error: { message: 'venue dropped the ack' } } })
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 0 })
  })

  test('a database error inside an atomic broker submit fails the whole placement and keeps nothing', async () => {
    const broken: Broker = {
      ...broker,
      submit: async (_o, tx) => {
        await tx!.query('SELECT 1 / 0')
        throw new Error('unreachable')
      },
    }
    const forecastId = await insertForecast(db.pool)
    await expect(submitOrder(db.pool, req({ forecastId, broker: broken }))).rejects.toMatchObject({ code: '22012' })
    expect((await db.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0)
    expect((await getPosition(db.pool, 'SPX'))?.qty ?? 0).toBe(0)
    expect((await submitOrder(db.pool, req({ forecastId }))).order).toMatchObject({ status: 'filled' })
  })
})

describe('round trips', () => {
  /** placeOrderInTx on a real pooled client whose statements are recorded. */
  async function statementsOf(r: OrderRequest): Promise<string[]> {
    const client = await db.pool.connect()
    const seen: string[] = []
    const tx = {
      query: (text: string, values?: unknown[]) => {
        seen.push(text.trim().split(/\s+/).slice(0, 3).join(' '))
        return client.query(text, values)
      },
    } as unknown as DbClient
    try {
      await client.query('BEGIN')
      await placeOrderInTx(tx, r)
      await client.query('COMMIT')
    } finally {
      client.release()
    }
    return seen
  }

  test('an allowed order takes three statements in its transaction, a denied one two, a retry two', async () => {
    const forecastId = await insertForecast(db.pool, { withLlm: true })
    // The insert (second statement) takes trading_state FOR SHARE and re-reads the state, so it also starts `WITH st AS`.
    expect(await statementsOf(req({ forecastId, decide: testDecide({ policy: { mirrored: true } }) }))).toEqual(['WITH st AS', 'WITH st AS', 'WITH p AS'])
    expect(await statementsOf(req({ forecastId }))).toEqual(['WITH st AS', 'SELECT * FROM'])
    expect(await statementsOf(req({ side: 'sell', qty: 4 }))).toEqual(['WITH st AS', 'WITH st AS', 'WITH p AS'])
    expect(await statementsOf(req({ decide: testDecide({ deny: true }) }))).toEqual(['WITH st AS', 'WITH st AS'])
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 6 })
  })
})

describe('what the decision says about the gate', () => {
  test('a shadow decision fills and is stored with mode shadow and its would', async () => {
    for (let i = 0; i < 3; i++) {
      const forecastId = await insertForecast(db.pool)
      await submitOrder(db.pool, req({ forecastId, qty: 2, decide: testDecide({ mode: 'shadow', would: 'would_deny' }) }))
    }
    const { rows } = await db.pool.query("SELECT status, mode, gate->>'would' AS would, gate->>'effective' AS effective FROM orders ORDER BY id")
    expect(rows).toHaveLength(3)
    for (const r of rows) expect(r).toEqual({ status: 'filled', mode: 'shadow', would: 'would_deny', effective: 'allow' })
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 6 })
  })

  test('a decision with the gate disabled is stored with mode disabled and its warning is logged every time', async () => {
    const { logger, lines } = memoryLogger()
    for (let i = 0; i < 2; i++) {
      const { order } = await submitOrder(db.pool, req({ decide: testDecide({ gateDisabled: true, warn: 'ORDER_GATE_DISABLED: test' }), logger }))
      expect(order).toMatchObject({ status: 'filled', mode: 'disabled' })
    }
    expect(lines.filter((l) => l.level === 40 && String(l.msg).startsWith('ORDER_GATE_DISABLED'))).toHaveLength(2)
  })
})

describe('placement guards the decision', () => {
  const allowAnyway =
    (o: { qty?: number; effective?: 'allow' | 'reduce_only_allowed' } = {}): OrderRequest['decide'] =>
    (_risk, order) => ({
      decision: { effective: o.effective ?? 'allow', qty: o.qty ?? order.qty, reason_code: 'BROKEN', mode: 'enforce', gate_disabled: false, warn: null },
      policy: null,
    })
  const orders = async (): Promise<number> => (await db.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n

  test('a decision that allows what the risk checks deny, more than was asked, or reduce-only on a new position places nothing', async () => {
    await expect(submitOrder(db.pool, req({ symbol: 'TSLA', decide: allowAnyway() }))).rejects.toBeInstanceOf(InvalidOrderError)
    await expect(submitOrder(db.pool, req({ qty: 10, decide: allowAnyway({ qty: 11 }) }))).rejects.toBeInstanceOf(InvalidOrderError)
    await expect(submitOrder(db.pool, req({ decide: allowAnyway({ effective: 'reduce_only_allowed' }) }))).rejects.toBeInstanceOf(InvalidOrderError)
    expect(await orders()).toBe(0)
    expect((await getPosition(db.pool, 'SPX'))?.qty ?? 0).toBe(0)
  })

  test('decides once per order', async () => {
    const calls = { n: 0 }
    await submitOrder(db.pool, req({ decide: testDecide({ calls }) }))
    await submitOrder(db.pool, req({ decide: testDecide({ calls, deny: true }) }))
    expect(calls.n).toBe(2)
  })
})

describe('one order per forecast', () => {
  test('a re-run for the same forecast returns the first order and places nothing new', async () => {
    const forecastId = await insertForecast(db.pool)
    const first = await submitOrder(db.pool, req({ forecastId }))
    const again = await Promise.all([submitOrder(db.pool, req({ forecastId, qty: 20 })), submitOrder(db.pool, req({ forecastId, qty: 30 }))])
    expect(again.map((a) => [a.duplicate, a.order.id])).toEqual([
      [true, first.order.id],
      [true, first.order.id],
    ])
    expect((await db.pool.query('SELECT count(*)::int AS n FROM orders WHERE forecast_id = $1', [forecastId])).rows[0].n).toBe(1)
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 10 })
  })

  test('concurrent first submits for one forecast place one order; the others get it back as a duplicate', async () => {
    const forecastId = await insertForecast(db.pool)
    const outs = await Promise.all(Array.from({ length: 8 }, () => submitOrder(db.pool, req({ forecastId }))))
    const placed = outs.filter((o) => !o.duplicate)
    expect(placed).toHaveLength(1)
    expect(new Set(outs.map((o) => o.order.id))).toEqual(new Set([placed[0]!.order.id]))
    for (const o of outs) expect(o.order).toMatchObject({ status: 'filled', forecast_id: forecastId })
    expect((await db.pool.query('SELECT count(*)::int AS n FROM orders WHERE forecast_id = $1', [forecastId])).rows[0].n).toBe(1)
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 10 })
  })

  test("writes the decision's policy record into forecasts.features.llm.policy with the order, and nothing without one", async () => {
    const forecastId = await insertForecast(db.pool, { withLlm: true })
    await submitOrder(db.pool, req({ forecastId, decide: testDecide({ policy: { effective: 'allow', marker: 7 } }) }))
    const read = async (id: number): Promise<unknown> =>
      (await db.pool.query("SELECT features->'llm'->'policy' AS policy FROM forecasts WHERE id = $1", [id])).rows[0].policy
    expect(await read(forecastId)).toEqual({ effective: 'allow', marker: 7 })
    const other = await insertForecast(db.pool, { withLlm: true })
    await submitOrder(db.pool, req({ forecastId: other }))
    expect(await read(other)).toEqual({ placeholder: true })
  })
})

describe('order-rate throttle', () => {
  test('is counted in Postgres: concurrent submitters place exactly the limit per minute', async () => {
    // Ten symbols, so that the position row locks do not serialise the submitters.
    const symbols = Array.from({ length: 10 }, (_, i) => `S${i}`)
    const limits = testLimits({ RISK_MAX_ORDERS_PER_MIN: '4', RISK_SYMBOL_ALLOWLIST: symbols.join(',') })
    const outs = await Promise.all(symbols.map((symbol) => submitOrder(db.pool, req({ symbol, qty: 1, limits }))))
    const statuses = outs.map((o) => o.order.status)
    expect(statuses.filter((s) => s === 'filled')).toHaveLength(4)
    const denied = outs.filter((o) => o.order.status === 'denied')
    expect(denied).toHaveLength(6)
    for (const d of denied) expect(d.verdict.reason_code).toBe('RISK_THROTTLE')
  })
})
