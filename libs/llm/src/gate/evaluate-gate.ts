import type { LlmResult, PolicyDecision } from '../contract'
import { readDecision, type DecisionRead } from './read-decision'
import type { GateFailReason, GateMode, GateStep, GateVerdict, RiskVerdict } from './gate-types'

export interface GateInput {
  risk: RiskVerdict
  /** The policy prompt's result; null when none was obtained (or none was asked for). */
  llm: LlmResult<PolicyDecision> | null
  riskReducing: boolean
  mode: GateMode
  gateDisabled: boolean
  /** Requested quantity. */
  qty: number
  /** A shrunk quantity is rounded down to a multiple of this. @default 1 */
  lotSize?: number
}

const codeOf = (reason: string): string => /^([A-Z][A-Z0-9_]*)/.exec(reason)?.[1] ?? 'RISK_DENIED'
const clip = (s: string, n = 200): string => (s.length > n ? `${s.slice(0, n)}…` : s)

/** qty × factor rounded down to the lot; never more than qty. */
export function shrinkQty (qty: number, factor: number, lotSize = 1): number {
  if (factor >= 1) return qty
  const lot = Number.isFinite(lotSize) && lotSize > 0 ? lotSize : 1
  const target = qty * factor
  // The epsilon absorbs division noise (0.3 / 0.1 = 2.9999999999999996 is 3 lots), but it must never
  // round a target just below a lot boundary up past the target (999999.9999999 / 100 is 9999 lots).
  let lots = Math.floor(target / lot + 1e-9)
  if (lots > 0 && lots * lot > target + 1e-9) lots--
  return Math.min(qty, Number((lots * lot).toPrecision(12)))
}

function llmStep (read: DecisionRead, qty: number, lotSize: number): { step: GateStep, would: 'would_allow' | 'would_deny', fail: GateFailReason, factor: number | null } {
  if (!read.ok) {
    return { step: { step: 'llm', verdict: 'would_deny', reason: `LLM_${read.fail_reason.toUpperCase()}: ${clip(read.detail)}` }, would: 'would_deny', fail: read.fail_reason, factor: null }
  }
  const d = read.decision
  const shrunk = shrinkQty(qty, d.size_factor, lotSize)
  const denied = d.decision === 'deny' || shrunk <= 0
  const code = d.decision === 'deny' ? 'LLM_DENY' : shrunk <= 0 ? 'LLM_SIZE_ZERO' : shrunk < qty ? 'LLM_SHRINK' : 'LLM_ALLOW'
  return {
    step: { step: 'llm', verdict: denied ? 'would_deny' : 'would_allow', reason: `${code}: size_factor=${d.size_factor} qty=${qty}->${denied ? 0 : shrunk} reason="${clip(d.reason)}"` },
    would: denied ? 'would_deny' : 'would_allow',
    fail: denied ? 'llm_denied' : null,
    factor: d.size_factor,
  }
}

/**
 * The policy gate (design section 5), pure. Risk first: a failed check denies whatever else is set,
 * ORDER_GATE_DISABLED included. Risk-reducing orders are then allowed without the LLM. With the
 * gate disabled, or in shadow mode, the LLM's decision is recorded in `would` but does not gate.
 * In enforce mode the LLM can only tighten (deny, or shrink by size_factor ≤ 1 down to the lot), and
 * a missing, failed or invalid decision denies (fail closed).
 */
export function evaluateGate (input: GateInput): GateVerdict {
  const { risk, mode, gateDisabled, qty } = input
  const lotSize = input.lotSize ?? 1
  const base = { requested_qty: qty, mode, gate_disabled: gateDisabled, risk_reducing: input.riskReducing, checks: risk.checks }
  const deny = (steps: GateStep[], reason_code: string, fail_reason: GateFailReason, extra: Partial<GateVerdict> = {}): GateVerdict =>
    ({ ...base, effective: 'deny', qty: 0, size_factor: null, would: null, fail_reason, reason_code, warn: null, steps, ...extra })
  const allow = (steps: GateStep[], reason_code: string, finalQty: number, extra: Partial<GateVerdict> = {}): GateVerdict =>
    ({ ...base, effective: 'allow', qty: finalQty, size_factor: null, would: null, fail_reason: null, reason_code, warn: null, steps, ...extra })

  const failed = risk.checks.filter((c) => !c.pass)
  if (!risk.pass || failed.length > 0) {
    const reason = failed.map((c) => c.reason).join('; ') || 'RISK_DENIED: risk verdict failed'
    return deny([{ step: 'risk', verdict: 'deny', reason }], failed[0] ? codeOf(failed[0].reason) : 'RISK_DENIED', 'risk_denied')
  }
  if (!Number.isFinite(qty) || qty <= 0) {
    return deny([{ step: 'risk', verdict: 'deny', reason: `RISK_QTY_INVALID: qty=${qty}` }], 'RISK_QTY_INVALID', 'risk_denied')
  }
  const riskStep: GateStep = { step: 'risk', verdict: 'allow', reason: `RISK_OK: ${risk.checks.length} checks passed` }

  if (input.riskReducing) {
    return allow([riskStep, { step: 'llm', verdict: 'skipped', reason: 'RISK_REDUCING: the LLM is not consulted for risk-reducing orders' }], 'RISK_REDUCING', qty)
  }

  const llm = llmStep(readDecision(input.llm), qty, lotSize)
  const recorded = { would: llm.would, fail_reason: llm.fail, size_factor: llm.factor }

  if (gateDisabled) {
    const warn = 'ORDER_GATE_DISABLED: order allowed without enforcing the LLM decision'
    return allow([riskStep, llm.step, { step: 'override', verdict: 'allow', reason: warn }], 'GATE_DISABLED', qty, { ...recorded, warn })
  }
  if (mode === 'shadow') {
    return allow([riskStep, llm.step], llm.would === 'would_deny' ? 'SHADOW_WOULD_DENY' : 'SHADOW_WOULD_ALLOW', qty, recorded)
  }

  // Enforce: the LLM step's verdict is binding.
  const step: GateStep = { ...llm.step, verdict: llm.would === 'would_deny' ? 'deny' : 'allow' }
  const code = codeOf(llm.step.reason)
  if (llm.would === 'would_deny') return deny([riskStep, step], code, llm.fail, { size_factor: llm.factor })
  const factor = llm.factor ?? 1
  return allow([riskStep, step], code, shrinkQty(qty, factor, lotSize), { size_factor: factor })
}
