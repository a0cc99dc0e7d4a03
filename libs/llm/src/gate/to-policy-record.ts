import { noAnswer, PolicyDecisionSchema, type LlmResult, type PolicyDecision, type PolicyRecord } from '../contract'
import type { GateMode, GateVerdict } from './gate-types'
import { readDecision } from './read-decision'

/** Stands in for the LlmResult when no policy call was made or none came back. */
function placeholder(riskReducing: boolean): LlmResult<PolicyDecision> {
  const error = riskReducing
    ? { code: 'LLM_NOT_CONSULTED', message: 'risk-reducing order: the policy prompt is not consulted' }
    : { code: 'LLM_ERR_MISSING', message: 'no policy decision was obtained' }
  return noAnswer({ prompt: 'policy', version: '', hash: '' }, error)
}

/** `res` with a parsed value the schema refuses dropped: the gate did not use it either; raw keeps the model's text. */
function usableResult<T extends LlmResult<PolicyDecision>>(res: T): T {
  const usable = res.parsed != null && PolicyDecisionSchema.safeParse(res.parsed).success
  return res.parsed != null && !usable ? { ...res, parsed: null, valid_json: false } : res
}

/**
 * features.llm.policy for one gated order: the policy LlmResult as returned by the client, plus
 * the one gate verdict's mode, gate_disabled, effective, would and fail_reason (PolicyRecordSchema).
 * orders.gate holds the same verdict whole.
 */
export function toPolicyRecord(llmResult: LlmResult<PolicyDecision> | null, verdict: GateVerdict): PolicyRecord {
  return {
    ...usableResult(llmResult ?? placeholder(verdict.risk_reducing)),
    mode: verdict.mode,
    gate_disabled: verdict.gate_disabled,
    effective: verdict.effective,
    would: verdict.would,
    fail_reason: verdict.fail_reason,
  }
}

/**
 * features.llm.policy of a forecast the gate has not decided: `no_order` (no order was proposed:
 * nothing to gate, nothing denied) or `pending` (an order was proposed; placement runs the gate
 * once and replaces this record with its verdict). `fail_reason` says why the LLM's answer is
 * unusable (timeout, invalid_json, ...), or null; `would` is null.
 */
export function ungatedPolicyRecord(
  llmResult: LlmResult<PolicyDecision>,
  o: { effective: 'no_order' | 'pending'; mode: GateMode; gateDisabled: boolean },
): PolicyRecord {
  const read = readDecision(llmResult)
  return {
    ...usableResult(llmResult),
    mode: o.mode,
    gate_disabled: o.gateDisabled,
    effective: o.effective,
    would: null,
    fail_reason: read.ok ? null : read.fail_reason,
  }
}
