import { llmErrorSpec } from '@pulsetrade/llm/error-table'

/**
 * How a typed LLM error (libs/llm, matched by its stable `code`) reaches an HTTP client: status,
 * Retry-After and message lead all come from libs/llm's one error table (LLM_ERRORS). The error
 * handler and the chat route apply it.
 */
export interface LlmErrorStatus {
  statusCode: number
  message: string
  headers: Record<string, string>
  details: Record<string, unknown>
}

interface LlmErrorLike {
  code: string
  message: string
  limit?: unknown
  retryAfterMs?: unknown
}

export const isLlmError = (err: unknown): err is LlmErrorLike =>
  typeof (err as { code?: unknown } | null)?.code === 'string' && (err as { code: string }).code.startsWith('LLM_ERR')

export function llmErrorStatus(err: LlmErrorLike): LlmErrorStatus {
  const spec = llmErrorSpec(err.code)
  const limit = typeof err.limit === 'number' ? err.limit : null
  // Retry-After: the upstream's own wait when it sent one, else the table's; none when the table has none.
  const waitMs = spec.retryAfterMs === null ? null : typeof err.retryAfterMs === 'number' && err.retryAfterMs > 0 ? err.retryAfterMs : spec.retryAfterMs
  const headers: Record<string, string> = waitMs === null ? {} : { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) }
  const lead = spec.lead === null ? null : err.code === 'LLM_ERR_CONTEXT_LENGTH' && limit !== null ? `${spec.lead} of ${limit} tokens` : spec.lead
  const message = lead === null ? err.message : spec.quote ? `${lead}: ${err.message}` : lead
  const details = err.code === 'LLM_ERR_CONTEXT_LENGTH' ? { limit } : limit !== null ? { limit } : {}
  return { statusCode: spec.status, message, headers, details }
}
