import type { LlmResult, PolicyDecision, RationaleGrounding } from '../contract'
import { readDecision, type DecisionRead } from './read-decision'
import type { GateFailReason, GateMode, GateStep, GateVerdict, RiskVerdict } from './gate-types'

export interface GateInput {
  /** The risk verdict of libs/trading's checks (structural: libs/llm does not import libs/trading). */
  risk: RiskVerdict
  /** The policy prompt's result; null when none was obtained (or none was asked for). */
  llm: LlmResult<PolicyDecision> | null
  /**
   * Why the policy call failed when the caller knows more than `llm.error.code` says (the
   * enricher's diagnosis of an open circuit). Used only when the decision is unusable.
   */
  llmFailReason?: GateFailReason
  riskReducing: boolean
  mode: GateMode
  gateDisabled: boolean
  /** Requested quantity. */
  qty: number
  /** A shrunk quantity is rounded down to a multiple of this. @default 1 */
  lotSize?: number
  /**
   * LLM_GATE_REQUIRE_GROUNDED: a rationale citing a number that is not in its inputs makes the LLM
   * step fail (code LLM_UNGROUNDED, fail_reason llm_denied), as an unusable decision does. @default false
   */
  requireGrounded?: boolean
  /** features.llm.rationale.grounding; absent or null when no rationale was parsed (then not checked). */
  rationaleGrounding?: RationaleGrounding | null
}

const clip = (s: string, n = 200): string => (s.length > n ? `${s.slice(0, n)}…` : s)

/** qty × factor rounded down to the lot; never more than qty. */
export function shrinkQty(qty: number, factor: number, lotSize = 1): number {
  if (factor >= 1) return qty
  const lot = Number.isFinite(lotSize) && lotSize > 0 ? lotSize : 1
  const target = qty * factor
  // The epsilon absorbs division noise (0.3 / 0.1 = 2.9999999999999996 is 3 lots), but it must never
  // round a target just below a lot boundary up past the target (999999.9999999 / 100 is 9999 lots).
  let lots = Math.floor(target / lot + 1e-9)
  if (lots > 0 && lots * lot > target + 1e-9) lots--
  return Math.min(qty, Number((lots * lot).toPrecision(12)))
}

interface LlmStep {
  step: GateStep
  would: 'would_allow' | 'would_deny'
  fail: GateFailReason
  factor: number | null
}

function llmStep(read: DecisionRead, qty: number, lotSize: number): LlmStep {
  if (!read.ok) {
    const code = `LLM_${read.fail_reason.toUpperCase()}`
    return { step: { step: 'llm', verdict: 'would_deny', code, reason: clip(read.detail) }, would: 'would_deny', fail: read.fail_reason, factor: null }
  }
  const d = read.decision
  const shrunk = shrinkQty(qty, d.size_factor, lotSize)
  const denied = d.decision === 'deny' || shrunk <= 0
  const code = d.decision === 'deny' ? 'LLM_DENY' : shrunk <= 0 ? 'LLM_SIZE_ZERO' : shrunk < qty ? 'LLM_SHRINK' : 'LLM_ALLOW'
  return {
    step: {
      step: 'llm',
      verdict: denied ? 'would_deny' : 'would_allow',
      code,
      reason: `size_factor=${d.size_factor} qty=${qty}->${denied ? 0 : shrunk} reason="${clip(d.reason)}"`,
    },
    would: denied ? 'would_deny' : 'would_allow',
    fail: denied ? 'llm_denied' : null,
    factor: d.size_factor,
  }
}

/**
 * The policy gate (design section 5), pure. It takes libs/trading's risk verdict as input and runs
 * once per order, inside the placement (the forecast service composes risk → gate → placement).
 * Risk first: a failed check denies whatever else is set, ORDER_GATE_DISABLED included.
 * Risk-reducing orders are then `reduce_only_allowed` without the LLM. With the gate disabled, or
 * in shadow mode, the LLM's decision is recorded in `would` but does not gate. In enforce mode the
 * LLM can only tighten (deny, or shrink by size_factor ≤ 1 down to the lot), and a missing, failed
 * or invalid decision denies (fail closed). Every step carries its `code`; `reason_code` is the
 * code of the step that decided.
 */
export function evaluateGate(input: GateInput): GateVerdict {
  const { risk, mode, gateDisabled, qty } = input
  const lotSize = input.lotSize ?? 1
  const base = { requested_qty: qty, mode, gate_disabled: gateDisabled, risk_reducing: input.riskReducing, checks: risk.checks }
  const deny = (steps: GateStep[], reason_code: string, fail_reason: GateFailReason, extra: Partial<GateVerdict> = {}): GateVerdict => ({
    ...base,
    effective: 'deny',
    qty: 0,
    size_factor: null,
    would: null,
    fail_reason,
    reason_code,
    warn: null,
    steps,
    ...extra,
  })
  const allow = (steps: GateStep[], reason_code: string, finalQty: number, extra: Partial<GateVerdict> = {}): GateVerdict => ({
    ...base,
    effective: 'allow',
    qty: finalQty,
    size_factor: null,
    would: null,
    fail_reason: null,
    reason_code,
    warn: null,
    steps,
    ...extra,
  })

  const failed = risk.checks.filter((c) => !c.pass)
  if (!risk.pass || failed.length > 0) {
    const code = failed[0]?.code ?? 'RISK_DENIED'
    const reason = failed.map((c) => `${c.check}: ${c.reason}`).join('; ') || 'risk verdict failed'
    return deny([{ step: 'risk', verdict: 'deny', code, reason }], code, 'risk_denied')
  }
  if (!Number.isFinite(qty) || qty <= 0) {
    return deny([{ step: 'risk', verdict: 'deny', code: 'RISK_QTY_INVALID', reason: `qty=${qty}` }], 'RISK_QTY_INVALID', 'risk_denied')
  }
  const riskStep: GateStep = { step: 'risk', verdict: 'allow', code: 'RISK_OK', reason: `${risk.checks.length} checks passed` }

  if (input.riskReducing) {
    const skipped: GateStep = { step: 'llm', verdict: 'skipped', code: 'RISK_REDUCING', reason: 'the LLM is not consulted for risk-reducing orders' }
    return allow([riskStep, skipped], 'RISK_REDUCING', qty, { effective: 'reduce_only_allowed' })
  }

  let llm = llmStep(readDecision(input.llm, input.llmFailReason), qty, lotSize)
  const ungrounded = input.rationaleGrounding?.unmatched ?? []
  if (input.requireGrounded === true && ungrounded.length > 0 && llm.would === 'would_allow') {
    const reason = clip(`the rationale cites numbers not in its inputs: ${ungrounded.map((u) => `${u.text} (${u.where})`).join(', ')}`)
    llm = { step: { step: 'llm', verdict: 'would_deny', code: 'LLM_UNGROUNDED', reason }, would: 'would_deny', fail: 'llm_denied', factor: llm.factor }
  }
  const recorded = { would: llm.would, fail_reason: llm.fail, size_factor: llm.factor }

  if (gateDisabled) {
    const warn = 'ORDER_GATE_DISABLED: order allowed without enforcing the LLM decision'
    const override: GateStep = { step: 'override', verdict: 'allow', code: 'ORDER_GATE_DISABLED', reason: 'order allowed without enforcing the LLM decision' }
    return allow([riskStep, llm.step, override], 'GATE_DISABLED', qty, { ...recorded, warn })
  }
  if (mode === 'shadow') {
    return allow([riskStep, llm.step], llm.would === 'would_deny' ? 'SHADOW_WOULD_DENY' : 'SHADOW_WOULD_ALLOW', qty, recorded)
  }

  // Enforce: the LLM step's verdict is binding.
  const step: GateStep = { ...llm.step, verdict: llm.would === 'would_deny' ? 'deny' : 'allow' }
  if (llm.would === 'would_deny') return deny([riskStep, step], step.code, llm.fail, { size_factor: llm.factor })
  const factor = llm.factor ?? 1
  return allow([riskStep, step], step.code, shrinkQty(qty, factor, lotSize), { size_factor: factor })
}
