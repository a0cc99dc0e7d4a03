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

/**
 * One deterministic risk check: `code` is `OK`, `SKIPPED` or the RISK_* code of a failure (listed
 * in docs/trading.md); `reason` is the detail, for people. libs/llm's gate reads the same shape
 * (structurally: libs/trading never imports libs/llm).
 */
export interface RiskCheck {
  check: string
  pass: boolean
  code: string
  reason: string
}

/** The combined risk verdict: `pass` only when every check passed. */
export interface RiskVerdict {
  pass: boolean
  checks: RiskCheck[]
}

export interface RiskResult extends RiskVerdict {
  /** Derived from the order and the position, never taken from the caller. */
  riskReducing: boolean
}

/** One step of a decision as stored in orders.gate.steps. */
export interface DecisionStep {
  step: string
  verdict: string
  code: string
  reason: string
}

/**
 * What placement reads of an order's decision; the whole object is stored in orders.gate.
 * Structural on purpose: libs/llm's GateVerdict has this shape, and so does decideReduceOnly.
 * `allow`: a risk-increasing order goes to the broker with `qty`; `reduce_only_allowed`: a
 * risk-reducing one does, without the LLM's say; `deny`: it is stored as denied.
 */
export interface OrderDecision {
  effective: 'allow' | 'deny' | 'reduce_only_allowed'
  /** Final quantity: 0 when denied, never above the request. */
  qty: number
  reason_code: string
  mode: 'enforce' | 'shadow'
  gate_disabled: boolean
  /** Set when the caller must log loudly (ORDER_GATE_DISABLED let an order through). */
  warn: string | null
  requested_qty?: number
  size_factor?: number | null
  risk_reducing?: boolean
  would?: 'would_allow' | 'would_deny' | null
  fail_reason?: string | null
  steps?: DecisionStep[]
  checks?: RiskCheck[]
}

export interface DecidedOrder {
  decision: OrderDecision
  /** Written into forecasts.features.llm.policy by the statement that inserts the order; null leaves it alone. */
  policy: object | null
}

/**
 * Risk verdict → decision, called by the placement under its locks, once (again only if the
 * trading state changed before the insert, and then only that second decision is stored). The
 * forecast service passes its policy gate; the panic exit passes decideReduceOnly.
 */
export type DecideOrder = (risk: RiskResult, order: RiskOrder) => DecidedOrder

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
