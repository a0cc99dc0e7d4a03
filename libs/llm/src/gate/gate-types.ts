import type { FailReasonSchema } from '../contract'
import type { z } from 'zod'

/**
 * One deterministic risk check, as libs/trading computes it. Declared here structurally: libs/trading
 * never imports libs/llm, and libs/llm does not import libs/trading; the forecast service hands one
 * to the other. `code` is `OK`, `SKIPPED` or the RISK_* code of a failure; `reason` is for people.
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

export type GateMode = 'enforce' | 'shadow'
export type GateFailReason = z.infer<typeof FailReasonSchema>
export type GateStepName = 'risk' | 'llm' | 'override'
export type GateStepVerdict = 'allow' | 'deny' | 'skipped' | 'would_allow' | 'would_deny'

/** One step of the gate: `code` is what decided it (`RISK_OK`, `LLM_DENY`, ...), `reason` the detail for people. */
export interface GateStep {
  step: GateStepName
  verdict: GateStepVerdict
  code: string
  reason: string
}

/**
 * What the gate decided for an order: `allow` (risk-increasing, placed), `deny` (not placed) or
 * `reduce_only_allowed` (risk-reducing, placed without the LLM's say).
 */
export type GateEffective = 'allow' | 'deny' | 'reduce_only_allowed'

/**
 * The stored outcome of the policy gate (orders.gate; its effective, would and fail_reason are also
 * features.llm.policy's). `qty` is the final quantity: 0 when denied, at most `requested_qty`
 * always. `warn` is set whenever the caller must log loudly (ORDER_GATE_DISABLED let an order
 * through without the LLM's say).
 */
export interface GateVerdict {
  effective: GateEffective
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
