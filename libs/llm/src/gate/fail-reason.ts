import type { GateFailReason } from './gate-types'

const BY_CODE = new Map<string, Exclude<GateFailReason, null>>(Object.entries({
  LLM_ERR_TIMEOUT: 'timeout',
  LLM_ERR_UNREACHABLE: 'unreachable',
  LLM_ERR_INVALID_JSON: 'invalid_json',
  LLM_ERR_CIRCUIT_OPEN: 'circuit_open',
  LLM_ERR_QUEUE_FULL: 'queue_full',
  LLM_ERR_CONTEXT_LENGTH: 'context_length',
}) as Array<[string, Exclude<GateFailReason, null>]>)

/** The features.llm.policy fail_reason of an LlmResult error code; no code at all means `missing`. */
export function gateFailReason (code: string | null | undefined): Exclude<GateFailReason, null> {
  if (code == null || code === '') return 'missing'
  return BY_CODE.get(code) ?? 'upstream_error'
}
