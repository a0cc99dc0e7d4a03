import { failReasonOf } from '../client/errors'
import type { GateFailReason } from './gate-types'

/**
 * The features.llm.policy fail_reason of an LlmResult error code: the client's failReasonOf
 * mapping, plus `missing` when there is no code at all.
 */
export function gateFailReason (code: string | null | undefined): Exclude<GateFailReason, null> {
  if (code == null || code === '') return 'missing'
  return failReasonOf(code)
}
