import { failReasonOf, type LlmErrorData, type ThrownLlmError } from '../client/error-table'
import type { GateFailReason } from './gate-types'

/**
 * The features.llm.policy fail_reason of an LlmResult error (or its code): the client's
 * failReasonOf (error-table.ts; a circuit opened by timeouts reads `timeout` from its `cause`
 * field), plus `missing` when there is no code at all.
 */
export function gateFailReason(error: string | LlmErrorData | ThrownLlmError | null | undefined): Exclude<GateFailReason, null> {
  const code = typeof error === 'string' ? error : error?.code
  if (error == null || code == null || code === '') return 'missing'
  return failReasonOf(error)
}
