import type { LlmResult, PolicyDecision } from '@pulsetrade/llm'

/** A policy LlmResult as the client returns it. */
export function policyResult(decision: Partial<PolicyDecision>, over: Partial<LlmResult<PolicyDecision>> = {}): LlmResult<PolicyDecision> {
  const parsed: PolicyDecision = { decision: 'allow', size_factor: 1, reason: 'fits the forecast', risk_flags: [], ...decision }
  return {
    prompt: 'policy',
    version: '1.0.0',
    hash: 'sha256:abc',
    arm: null,
    bucket: null,
    ok: true,
    valid_json: true,
    repaired: false,
    cached: false,
    parsed,
    raw: JSON.stringify(parsed),
    finish_reason: 'stop',
    latency_ms: 100,
    usage: { prompt_tokens: 300, completion_tokens: 40 },
    request_id: 'req-1',
    error: null,
    ...over,
  }
}

export const failedResult = (code: string): LlmResult<PolicyDecision> =>
  policyResult({}, { ok: false, valid_json: false, parsed: null, raw: '', finish_reason: null, error: { code, message: 'failed' } })
