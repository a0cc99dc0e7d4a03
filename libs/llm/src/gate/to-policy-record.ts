import { PolicyDecisionSchema, type LlmResult, type PolicyDecision, type PolicyRecord } from '../contract'
import type { GateVerdict } from './gate-types'

/** Stands in for the LlmResult when no policy call was made or none came back. */
function placeholder (verdict: GateVerdict): LlmResult<PolicyDecision> {
  const error = verdict.risk_reducing
    ? { code: 'LLM_NOT_CONSULTED', message: 'risk-reducing order: the policy prompt is not consulted' }
    : { code: 'LLM_ERR_MISSING', message: 'no policy decision was obtained' }
  return {
    prompt: 'policy',
    version: '',
    hash: '',
    arm: null,
    bucket: null,
    ok: false,
    valid_json: false,
    repaired: false,
    cached: false,
    parsed: null,
    raw: '',
    finish_reason: null,
    latency_ms: 0,
    usage: { prompt_tokens: 0, completion_tokens: 0 },
    request_id: null,
    error,
  }
}

/**
 * features.llm.policy for one gated order: the policy LlmResult as returned by the client, plus
 * the gate's mode, gate_disabled, effective, would and fail_reason (PolicyRecordSchema).
 */
export function toPolicyRecord (llmResult: LlmResult<PolicyDecision> | null, verdict: GateVerdict): PolicyRecord {
  const res = llmResult ?? placeholder(verdict)
  // A parsed value the schema refuses was not used by the gate either; raw keeps the model's text.
  const usable = res.parsed != null && PolicyDecisionSchema.safeParse(res.parsed).success
  return {
    ...res,
    ...(res.parsed != null && !usable ? { parsed: null, valid_json: false } : {}),
    mode: verdict.mode,
    gate_disabled: verdict.gate_disabled,
    effective: verdict.effective,
    would: verdict.would,
    fail_reason: verdict.fail_reason,
  }
}
