import { QTY_EPSILON, signedQty } from './is-risk-reducing'
import type { Side } from './trading-types'

export interface PositionState {
  qty: number
  avg_price: number
  realized_pnl: number
}

const clean = (x: number): number => (Math.abs(x) <= QTY_EPSILON ? 0 : Number(x.toPrecision(15)))

/**
 * A position after one fill. Adding to a position (or opening one) averages the price in; trading
 * against it realises (price − avg) × closed qty × direction; reaching zero resets avg_price to 0;
 * crossing zero opens the remainder at the fill price.
 */
export function applyFill(pos: PositionState, side: Side, qty: number, price: number): PositionState & { realized: number } {
  const q = pos.qty
  const s = signedQty(side, qty)
  if (Math.abs(q) <= QTY_EPSILON || Math.sign(s) === Math.sign(q)) {
    const next = clean(q + s)
    const avg = next === 0 ? 0 : (Math.abs(q) * pos.avg_price + Math.abs(s) * price) / Math.abs(next)
    return { qty: next, avg_price: avg, realized_pnl: pos.realized_pnl, realized: 0 }
  }
  const closed = Math.min(Math.abs(s), Math.abs(q))
  const realized = closed * (price - pos.avg_price) * Math.sign(q)
  const next = clean(q + s)
  const avg = next === 0 ? 0 : Math.sign(next) === Math.sign(q) ? pos.avg_price : price
  return { qty: next, avg_price: avg, realized_pnl: pos.realized_pnl + realized, realized }
}
