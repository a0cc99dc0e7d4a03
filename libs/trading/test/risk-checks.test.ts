import { describe, expect, test } from 'vitest'
import { applyFill } from '../src/apply-fill'
import { isRiskReducing } from '../src/is-risk-reducing'
import { runRiskChecks } from '../src/run-risk-checks'
import type { RiskContext, RiskOrder } from '../src/trading-types'
import { testLimits } from './fixtures'

const now = new Date('2024-03-01T21:00:00Z')
const limits = testLimits({ RISK_MAX_ORDERS_PER_MIN: '10' })
const order = (o: Partial<RiskOrder> = {}): RiskOrder => ({
  symbol: 'SPX',
  side: 'buy',
  qty: 10,
  refPrice: 5000,
  lastClose: 5000,
  priceTs: new Date('2024-03-01T20:00:00Z'),
  ...o,
})
const ctx = (c: Partial<RiskContext> = {}): RiskContext => ({ state: 'ACTIVE', positionQty: 0, panic: false, recentOrders: 0, now, ...c })
const failures = (o: Partial<RiskOrder>, c: Partial<RiskContext> = {}) =>
  runRiskChecks(order(o), ctx(c), limits)
    .checks.filter((x) => !x.pass)
    .map((x) => `${x.code}: ${x.reason}`)

describe('runRiskChecks', () => {
  test('a sound order passes all eight checks and records each', () => {
    const r = runRiskChecks(order(), ctx(), limits)
    expect(r.pass).toBe(true)
    expect(r.checks.map((c) => c.check)).toEqual(['state', 'symbol', 'qty', 'price_freshness', 'collar', 'order_notional', 'position_notional', 'throttle'])
    expect(r.checks.every((c) => c.code === 'OK')).toBe(true)
  })

  test.each([
    [{}, { state: 'HALTED' as const }, 'RISK_STATE_HALTED: state=HALTED denies new orders'],
    [{}, { state: 'REDUCING' as const }, 'RISK_STATE_REDUCING: state=REDUCING denies risk-increasing orders'],
    [{ symbol: 'TSLA' }, {}, 'RISK_SYMBOL_NOT_ALLOWED: symbol=TSLA allowlist=SPX,AAA,BBB'],
    [{ qty: 2.5 }, {}, 'RISK_QTY_LOT: qty=2.5 lot=1'],
    [{ qty: 1001, refPrice: 1, lastClose: 1 }, {}, 'RISK_MAX_QTY: qty=1001 limit=1000'],
    [{ refPrice: null }, {}, 'RISK_PRICE_MISSING: no reference price or price time'],
    [{ priceTs: new Date('2024-02-20T00:00:00Z') }, {}, 'RISK_PRICE_STALE: age_ms=939600000 limit=345600000'],
    [{ refPrice: 5300 }, {}, 'RISK_COLLAR: deviation_bps=600 limit=500 ref=5300 last_close=5000'],
    [{ qty: 60 }, {}, 'RISK_MAX_NOTIONAL: notional=300000 limit=250000'],
    [{ qty: 40 }, { positionQty: 180 }, 'RISK_MAX_POSITION: position_notional=1100000 limit=1000000 qty_after=220'],
    [{}, { recentOrders: 10 }, 'RISK_THROTTLE: orders_last_min=10 limit=10'],
  ])('denies %o in %o with "%s"', (o, c, reason) => {
    expect(failures(o, c)).toContain(reason)
  })

  test('a risk-reducing order passes in REDUCING and skips price, collar, notional and throttle checks', () => {
    const r = runRiskChecks(
      order({ side: 'sell', qty: 5, refPrice: null, symbol: 'OLD' }),
      ctx({ state: 'REDUCING', positionQty: 5, recentOrders: 99 }),
      limits,
    )
    expect(r).toMatchObject({ pass: true, riskReducing: true })
    expect(r.checks.filter((c) => c.code === 'SKIPPED').map((c) => c.check)).toEqual([
      'symbol',
      'price_freshness',
      'collar',
      'order_notional',
      'position_notional',
      'throttle',
    ])
  })

  test('HALTED allows only a panic exit reduce-only order', () => {
    expect(failures({ side: 'sell', qty: 5 }, { state: 'HALTED', positionQty: 5 })).toEqual(['RISK_STATE_HALTED: state=HALTED denies new orders'])
    expect(failures({ side: 'sell', qty: 5 }, { state: 'HALTED', positionQty: 5, panic: true })).toEqual([])
    expect(failures({ side: 'buy', qty: 5 }, { state: 'HALTED', positionQty: 5, panic: true })).toContain('RISK_STATE_HALTED: state=HALTED denies new orders')
  })
})

describe('isRiskReducing', () => {
  test.each([
    [{ side: 'sell', qty: 5 }, 10, true],
    [{ side: 'sell', qty: 10 }, 10, true],
    [{ side: 'sell', qty: 11 }, 10, false], // crosses zero: opens a short
    [{ side: 'buy', qty: 5 }, 10, false],
    [{ side: 'buy', qty: 3 }, -3, true],
    [{ side: 'sell', qty: 1 }, 0, false],
  ] as const)('%o against position %d → %s', (o, pos, expected) => {
    expect(isRiskReducing(o, { qty: pos })).toBe(expected)
  })
})

describe('applyFill', () => {
  const flat = { qty: 0, avg_price: 0, realized_pnl: 0 }
  test('averages in when adding and realises P&L when reducing', () => {
    const a = applyFill(flat, 'buy', 10, 100)
    const b = applyFill(a, 'buy', 10, 110)
    expect(b).toMatchObject({ qty: 20, avg_price: 105, realized_pnl: 0 })
    const c = applyFill(b, 'sell', 5, 115)
    expect(c).toMatchObject({ qty: 15, avg_price: 105, realized: 50, realized_pnl: 50 })
  })

  test('flattening resets avg_price and crossing zero opens the rest at the fill price', () => {
    expect(applyFill({ qty: 10, avg_price: 100, realized_pnl: 0 }, 'sell', 10, 90)).toMatchObject({ qty: 0, avg_price: 0, realized_pnl: -100 })
    expect(applyFill({ qty: -4, avg_price: 50, realized_pnl: 0 }, 'buy', 6, 40)).toMatchObject({ qty: 2, avg_price: 40, realized_pnl: 40 })
  })
})
