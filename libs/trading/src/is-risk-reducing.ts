import type { Side } from './trading-types'

/** Signed quantity of a trade: buys add, sells subtract. */
export const signedQty = (side: Side, qty: number): number => (side === 'buy' ? qty : -qty)

// Quantities are doubles: a residue below this is zero.
export const QTY_EPSILON = 1e-9

/**
 * True when the order only shrinks the open position toward zero: opposite side, and no more than
 * the position (an order that would cross zero opens new risk, so it counts as risk-increasing).
 */
export function isRiskReducing(order: { side: Side; qty: number }, position: { qty: number } | null): boolean {
  const pos = position?.qty ?? 0
  if (!Number.isFinite(order.qty) || order.qty <= 0 || Math.abs(pos) <= QTY_EPSILON) return false
  const s = signedQty(order.side, order.qty)
  return Math.sign(s) === -Math.sign(pos) && order.qty <= Math.abs(pos) + QTY_EPSILON
}
