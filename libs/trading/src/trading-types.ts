/** Shapes shared across libs/trading. */

export type TradingStateName = 'ACTIVE' | 'HALTED' | 'REDUCING'
export type Side = 'buy' | 'sell'

/** What the risk checks look at of a proposed order. */
export interface RiskOrder {
  symbol: string
  side: Side
  qty: number
  /** Price the order would trade at; null when there is none. */
  refPrice: number | null
  /** Close of the last bar, the collar's anchor. */
  lastClose: number | null
  /** When refPrice was observed. */
  priceTs: Date | null
}

/** Everything besides the order that the risk checks need, read under lock by the caller. */
export interface RiskContext {
  state: TradingStateName
  /** Signed position quantity before the trade. */
  positionQty: number
  /** The order is a panic exit's reduce-only flatten (allowed while HALTED). */
  panic: boolean
  /** Placed risk-increasing orders in the last minute (all workers). */
  recentOrders: number
  now: Date
}

/** RiskContext plus what runRiskChecks derives from the order and the position. */
export interface CheckContext extends RiskContext {
  riskReducing: boolean
}

export interface PositionRow {
  symbol: string
  qty: number
  avg_price: number
  realized_pnl: number
  updated_at: Date
}

export interface OrderRow {
  id: number
  forecast_id: number | null
  symbol: string
  side: Side
  qty: number
  ref_price: number | null
  status: 'proposed' | 'denied' | 'open' | 'filled' | 'cancelled' | 'rejected'
  gate: Record<string, unknown>
  mode: 'enforce' | 'shadow' | 'disabled' | 'reduce_only'
  exit_id: string | null
  fill_price: number | null
  risk_reducing: boolean
  created_at: Date
  updated_at: Date
}
