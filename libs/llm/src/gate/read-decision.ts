import { PolicyDecisionSchema, type LlmResult, type PolicyDecision } from '../contract'
import { gateFailReason } from './fail-reason'
import type { GateFailReason } from './gate-types'

export type DecisionRead = { ok: true; decision: PolicyDecision } | { ok: false; fail_reason: Exclude<GateFailReason, null>; detail: string }

/** Fail reasons that name why an LLM answer is missing (not what the gate made of one). */
const callFailure = (r: GateFailReason | undefined): r is Exclude<GateFailReason, null | 'llm_denied' | 'risk_denied'> =>
  r != null && r !== 'llm_denied' && r !== 'risk_denied'

/**
 * What the gate can use of a policy LlmResult: a schema-valid decision, or why there is none.
 * The client already validated `parsed`; it is checked again because the gate fails closed.
 * `failReason`, when given, names why a failed call failed (see GateInput.llmFailReason).
 */
export function readDecision(llm: LlmResult<PolicyDecision> | null, failReason?: GateFailReason): DecisionRead {
  if (llm == null) return { ok: false, fail_reason: 'missing', detail: 'no policy decision' }
  if (!llm.ok) {
    const reason = callFailure(failReason) ? failReason : llm.error ? gateFailReason(llm.error) : 'upstream_error'
    return { ok: false, fail_reason: reason, detail: llm.error ? `${llm.error.code}: ${llm.error.message}` : 'ok=false without an error' }
  }
  if (llm.parsed == null) return { ok: false, fail_reason: 'invalid_json', detail: 'no parsed decision' }
  const checked = PolicyDecisionSchema.safeParse(llm.parsed)
  if (!checked.success) {
    return { ok: false, fail_reason: 'invalid_json', detail: `decision fails the policy schema: ${checked.error.issues[0]?.message ?? 'invalid'}` }
  }
  return { ok: true, decision: checked.data }
}
