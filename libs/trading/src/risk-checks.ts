import type { RiskLimits } from './limits'
import { QTY_EPSILON, signedQty } from './is-risk-reducing'
import type { CheckContext, RiskCheck, RiskOrder } from './trading-types'

/**
 * The deterministic risk checks, one function each, pure. Every check returns {check, pass, code,
 * reason}: `code` is OK, SKIPPED or the failure's RISK_* code, `reason` the detail. Which checks
 * apply to which order: docs/trading.md.
 */

/** The code of each way a check can fail. */
export type RiskCode =
  | 'RISK_STATE_HALTED'
  | 'RISK_STATE_REDUCING'
  | 'RISK_SYMBOL_NOT_ALLOWED'
  | 'RISK_QTY_INVALID'
  | 'RISK_QTY_LOT'
  | 'RISK_MAX_QTY'
  | 'RISK_PRICE_MISSING'
  | 'RISK_PRICE_STALE'
  | 'RISK_COLLAR'
  | 'RISK_MAX_NOTIONAL'
  | 'RISK_MAX_POSITION'
  | 'RISK_THROTTLE'

export type RiskCheckFn = (order: RiskOrder, ctx: CheckContext, limits: RiskLimits) => RiskCheck

const fmt = (n: number): string => String(Number(n.toFixed(4)))
const ok = (check: string, reason: string): RiskCheck => ({ check, pass: true, code: 'OK', reason })
const fail = (check: string, code: RiskCode, reason: string): RiskCheck => ({ check, pass: false, code, reason })
const skipped = (check: string): RiskCheck => ({ check, pass: true, code: 'SKIPPED', reason: 'risk-reducing order' })
const validPrice = (p: number | null): p is number => p != null && Number.isFinite(p) && p > 0

export const checkTradingState: RiskCheckFn = (_order, ctx) => {
  const c = 'state'
  if (ctx.state === 'ACTIVE') return ok(c, 'state=ACTIVE')
  if (ctx.state === 'REDUCING') {
    return ctx.riskReducing ? ok(c, 'state=REDUCING, risk-reducing order') : fail(c, 'RISK_STATE_REDUCING', 'state=REDUCING denies risk-increasing orders')
  }
  if (ctx.state === 'HALTED' && ctx.riskReducing && ctx.panic) return ok(c, 'state=HALTED, panic-exit reduce-only order')
  return fail(c, 'RISK_STATE_HALTED', `state=${String(ctx.state)} denies new orders`)
}

export const checkSymbol: RiskCheckFn = (order, ctx, limits) => {
  if (ctx.riskReducing) return skipped('symbol')
  return limits.RISK_SYMBOL_ALLOWLIST.includes(order.symbol)
    ? ok('symbol', `symbol=${order.symbol}`)
    : fail('symbol', 'RISK_SYMBOL_NOT_ALLOWED', `symbol=${order.symbol} allowlist=${limits.RISK_SYMBOL_ALLOWLIST.join(',')}`)
}

export const checkQty: RiskCheckFn = (order, ctx, limits) => {
  const c = 'qty'
  const q = order.qty
  if (!Number.isFinite(q) || q <= 0) return fail(c, 'RISK_QTY_INVALID', `qty=${q}`)
  // A risk-reducing order may close an odd or oversized position in one go.
  if (ctx.riskReducing) return ok(c, `qty=${fmt(q)} reduces position=${fmt(ctx.positionQty)}`)
  const lots = q / limits.RISK_LOT_SIZE
  if (Math.abs(lots - Math.round(lots)) > QTY_EPSILON * Math.max(1, lots)) return fail(c, 'RISK_QTY_LOT', `qty=${fmt(q)} lot=${fmt(limits.RISK_LOT_SIZE)}`)
  if (q > limits.RISK_MAX_QTY) return fail(c, 'RISK_MAX_QTY', `qty=${fmt(q)} limit=${fmt(limits.RISK_MAX_QTY)}`)
  return ok(c, `qty=${fmt(q)}`)
}

export const checkPriceFreshness: RiskCheckFn = (order, ctx, limits) => {
  const c = 'price_freshness'
  if (ctx.riskReducing) return skipped(c)
  if (!validPrice(order.refPrice) || order.priceTs == null || Number.isNaN(order.priceTs.getTime())) {
    return fail(c, 'RISK_PRICE_MISSING', 'no reference price or price time')
  }
  const age = ctx.now.getTime() - order.priceTs.getTime()
  if (!(age <= limits.RISK_MAX_PRICE_AGE_MS)) return fail(c, 'RISK_PRICE_STALE', `age_ms=${age} limit=${limits.RISK_MAX_PRICE_AGE_MS}`)
  return ok(c, `age_ms=${age}`)
}

export const checkCollar: RiskCheckFn = (order, ctx, limits) => {
  const c = 'collar'
  if (ctx.riskReducing) return skipped(c)
  if (!validPrice(order.refPrice)) return fail(c, 'RISK_COLLAR', 'no reference price')
  if (!validPrice(order.lastClose)) return fail(c, 'RISK_COLLAR', 'no last close to anchor the collar')
  const bps = (Math.abs(order.refPrice - order.lastClose) / order.lastClose) * 10_000
  if (!(bps <= limits.RISK_COLLAR_BPS)) {
    return fail(
      c,
      'RISK_COLLAR',
      `deviation_bps=${fmt(bps)} limit=${fmt(limits.RISK_COLLAR_BPS)} ref=${fmt(order.refPrice)} last_close=${fmt(order.lastClose)}`,
    )
  }
  return ok(c, `deviation_bps=${fmt(bps)}`)
}

export const checkOrderNotional: RiskCheckFn = (order, ctx, limits) => {
  const c = 'order_notional'
  if (ctx.riskReducing) return skipped(c)
  if (!validPrice(order.refPrice)) return fail(c, 'RISK_MAX_NOTIONAL', 'no reference price to value the order')
  const notional = Math.abs(order.qty) * order.refPrice
  if (!(notional <= limits.RISK_MAX_ORDER_NOTIONAL))
    return fail(c, 'RISK_MAX_NOTIONAL', `notional=${fmt(notional)} limit=${fmt(limits.RISK_MAX_ORDER_NOTIONAL)}`)
  return ok(c, `notional=${fmt(notional)}`)
}

export const checkPositionNotional: RiskCheckFn = (order, ctx, limits) => {
  const c = 'position_notional'
  if (ctx.riskReducing) return skipped(c)
  if (!validPrice(order.refPrice)) return fail(c, 'RISK_MAX_POSITION', 'no reference price to value the position')
  const after = ctx.positionQty + signedQty(order.side, order.qty)
  const notional = Math.abs(after) * order.refPrice
  if (!(notional <= limits.RISK_MAX_POSITION_NOTIONAL)) {
    return fail(c, 'RISK_MAX_POSITION', `position_notional=${fmt(notional)} limit=${fmt(limits.RISK_MAX_POSITION_NOTIONAL)} qty_after=${fmt(after)}`)
  }
  return ok(c, `position_notional=${fmt(notional)}`)
}

export const checkThrottle: RiskCheckFn = (_order, ctx, limits) => {
  const c = 'throttle'
  if (ctx.riskReducing) return skipped(c)
  if (!(ctx.recentOrders < limits.RISK_MAX_ORDERS_PER_MIN)) {
    return fail(c, 'RISK_THROTTLE', `orders_last_min=${ctx.recentOrders} limit=${limits.RISK_MAX_ORDERS_PER_MIN}`)
  }
  return ok(c, `orders_last_min=${ctx.recentOrders}`)
}

/** In the order they run and are recorded. */
export const RISK_CHECKS: readonly RiskCheckFn[] = [
  checkTradingState,
  checkSymbol,
  checkQty,
  checkPriceFreshness,
  checkCollar,
  checkOrderNotional,
  checkPositionNotional,
  checkThrottle,
]
