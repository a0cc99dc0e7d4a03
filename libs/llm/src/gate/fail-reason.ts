import { failReasonOf } from '../client/errors'
import type { GateFailReason } from './gate-types'

/**
 * The features.llm.policy fail_reason of an LlmResult error (or its code): the client's
 * failReasonOf mapping (a circuit opened by timeouts reads `timeout`), plus `missing` when there is
 * no code at all.
 */
export function gateFailReason (error: string | { code: string, message?: string } | null | undefined): Exclude<GateFailReason, null> {
  const code = typeof error === 'string' ? error : error?.code
  if (error == null || code == null || code === '') return 'missing'
  return failReasonOf(error)
}
