import type { FailReasonSchema } from '../contract'
import type { z } from 'zod'

/** One deterministic risk check (libs/trading). `reason` starts with its code: `RISK_MAX_NOTIONAL: ...`. */
export interface RiskCheck {
  check: string
  pass: boolean
  reason: string
}

/** The combined risk verdict: `pass` only when every check passed. */
export interface RiskVerdict {
  pass: boolean
  checks: RiskCheck[]
}

export type GateMode = 'enforce' | 'shadow'
export type GateFailReason = z.infer<typeof FailReasonSchema>
export type GateStepName = 'risk' | 'llm' | 'override'
export type GateStepVerdict = 'allow' | 'deny' | 'skipped' | 'would_allow' | 'would_deny'

export interface GateStep {
  step: GateStepName
  verdict: GateStepVerdict
  reason: string
}

/**
 * The stored outcome of the policy gate (orders.gate). `qty` is the final quantity: 0 when
 * denied, at most `requested_qty` always. `warn` is set whenever the caller must log loudly
 * (ORDER_GATE_DISABLED let an order through without the LLM's say).
 */
export interface GateVerdict {
  effective: 'allow' | 'deny'
  qty: number
  requested_qty: number
  /** The LLM's size_factor: applied in enforce mode, only recorded otherwise; null without a decision. */
  size_factor: number | null
  mode: GateMode
  gate_disabled: boolean
  risk_reducing: boolean
  would: 'would_allow' | 'would_deny' | null
  fail_reason: GateFailReason
  reason_code: string
  warn: string | null
  steps: GateStep[]
  checks: RiskCheck[]
}
