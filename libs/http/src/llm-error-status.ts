/**
 * How a typed LLM error (libs/llm, matched by its stable `code`) reaches an HTTP client. The one
 * place that decides it; the error handler applies it.
 */
export interface LlmErrorStatus {
  statusCode: number
  message: string
  headers: Record<string, string>
  details: Record<string, unknown>
}

interface LlmErrorLike { code: string, message: string, limit?: unknown, retryAfterMs?: unknown }

export const isLlmError = (err: unknown): err is LlmErrorLike =>
  typeof (err as { code?: unknown } | null)?.code === 'string' && (err as { code: string }).code.startsWith('LLM_ERR')

const retryAfter = (err: LlmErrorLike, fallbackMs: number): Record<string, string> => {
  const ms = typeof err.retryAfterMs === 'number' && err.retryAfterMs > 0 ? err.retryAfterMs : fallbackMs
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) }
}

export function llmErrorStatus (err: LlmErrorLike): LlmErrorStatus {
  const base = { headers: {}, details: {} }
  switch (err.code) {
    case 'LLM_ERR_CONTEXT_LENGTH': {
      const limit = typeof err.limit === 'number' ? err.limit : null
      const head = limit === null ? 'the request does not fit the model context' : `the request does not fit the model context of ${limit} tokens`
      return { ...base, statusCode: 400, message: `${head}: ${err.message}`, details: { limit } }
    }
    case 'LLM_ERR_PROMPT_TOO_LONG':
      return { ...base, statusCode: 400, message: err.message, details: typeof err.limit === 'number' ? { limit: err.limit } : {} }
    case 'LLM_ERR_BAD_REQUEST':
      return { ...base, statusCode: 400, message: `the model server rejected the request: ${err.message}` }
    case 'LLM_ERR_QUEUE_FULL':
      return { ...base, statusCode: 503, message: `the LLM queue is full: ${err.message}`, headers: retryAfter(err, 1000) }
    case 'LLM_ERR_CIRCUIT_OPEN':
      return { ...base, statusCode: 503, message: `the LLM is failing and its circuit is open: ${err.message}`, headers: retryAfter(err, 5000) }
    case 'LLM_ERR_TIMEOUT':
      return { ...base, statusCode: 504, message: `the LLM did not answer in time: ${err.message}` }
    case 'LLM_ERR_ABORTED':
      return { ...base, statusCode: 499, message: 'the request was aborted' }
    case 'LLM_ERR_UNREACHABLE':
      return { ...base, statusCode: 502, message: `the LLM is unreachable: ${err.message}` }
    default:
      // LLM_ERR_UPSTREAM, _MODEL_NOT_FOUND, _AUTH, _INVALID_JSON and codes added later.
      return { ...base, statusCode: 502, message: `the LLM failed: ${err.message}` }
  }
}
