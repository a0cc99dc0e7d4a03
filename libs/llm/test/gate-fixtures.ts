import type { LlmResult, PolicyDecision } from '../src/contract'

/** A policy LlmResult as the client returns it; override any field. */
export function policyResult(decision: Partial<PolicyDecision> | null, over: Partial<LlmResult<PolicyDecision>> = {}): LlmResult<PolicyDecision> {
  const parsed = decision == null ? null : { decision: 'allow' as const, size_factor: 1, reason: 'fits the forecast', risk_flags: [], ...decision }
  return {
    prompt: 'policy',
    version: '1.0.0',
    hash: 'sha256:abc',
    arm: null,
    bucket: null,
    ok: parsed != null,
    valid_json: parsed != null,
    repaired: false,
    cached: false,
    parsed,
    raw: parsed == null ? '{"decision": "al' : JSON.stringify(parsed),
    finish_reason: parsed == null ? 'length' : 'stop',
    latency_ms: 120,
    usage: { prompt_tokens: 300, completion_tokens: 40 },
    request_id: 'req-1',
    error: parsed == null ? { code: 'LLM_ERR_INVALID_JSON', message: 'truncated' } : null,
    ...over,
  }
}

/** A failed call (ok:false) with the given LlmError code (and cause code, for a circuit open). */
export const failedResult = (code: string, message = 'failed', cause: string | null = null): LlmResult<PolicyDecision> =>
  policyResult(null, { ok: false, valid_json: false, raw: '', finish_reason: null, error: { code, cause, message } })
