/**
 * Typed errors of the LLM client. Every failure a caller can see is one of these, with a stable
 * `code`. Provider statuses and transport exceptions become these in exactly one place
 * (to-llm-error.ts).
 */

export class LlmError extends Error {
  code = 'LLM_ERR'
  /** Upstream HTTP status when the error came from a response, else null. */
  readonly status: number | null
  /** Wait asked for by Retry-After / retry-after-ms, when the upstream sent one. */
  readonly retryAfterMs: number | null
  /** X-Request-Id of the attempt that failed, when one was sent (set by the client). */
  requestId: string | null = null

  constructor (message: string, options?: ErrorOptions & { status?: number | null, retryAfterMs?: number | null }) {
    super(message, options)
    this.name = new.target.name
    this.status = options?.status ?? null
    this.retryAfterMs = options?.retryAfterMs ?? null
  }
}

export type TimeoutPhase = 'queue' | 'request' | 'stream' | 'stream_idle'

export class LlmTimeoutError extends LlmError {
  override code = 'LLM_ERR_TIMEOUT'
  constructor (readonly timeoutMs: number, readonly phase: TimeoutPhase, options?: ErrorOptions) {
    super(`timeout after ${timeoutMs} ms${phase === 'request' ? '' : ` (${phase.replace('_', ' ')})`}`, options)
  }
}

/**
 * Connection refused, reset, DNS failure: the message keeps the cause, e.g. "connect ECONNREFUSED
 * 127.0.0.1:8008". `phase` "connect" means the request never reached the upstream (safe to fail over).
 */
export class LlmUnreachableError extends LlmError {
  override code = 'LLM_ERR_UNREACHABLE'
  constructor (message: string, readonly phase: 'connect' | 'reset', options?: ErrorOptions) { super(message, options) }
}

export class LlmContextLengthError extends LlmError {
  override code = 'LLM_ERR_CONTEXT_LENGTH'
  constructor (message: string, readonly limit: number, readonly requested: number | null, options?: ErrorOptions & { status?: number | null }) {
    super(message, options)
  }
}

export class LlmCircuitOpenError extends LlmError {
  override code = 'LLM_ERR_CIRCUIT_OPEN'
  constructor (readonly upstreams: string[]) {
    super(`circuit open for ${upstreams.join(', ')}`)
  }
}

export class LlmInvalidJsonError extends LlmError { override code = 'LLM_ERR_INVALID_JSON' }

export class LlmQueueFullError extends LlmError {
  override code = 'LLM_ERR_QUEUE_FULL'
  constructor (readonly maxQueue: number) {
    super(`LLM wait queue is full (${maxQueue} waiting)`)
  }
}

/** 5xx (and exhausted 408/429): the upstream answered but failed. `status` is kept. */
export class LlmUpstreamError extends LlmError { override code = 'LLM_ERR_UPSTREAM' }

export class LlmRateLimitError extends LlmUpstreamError { override code = 'LLM_ERR_RATE_LIMIT' }

/** Any other 4xx the upstream refused (validation, unsupported media type, duplicate request id...). */
export class LlmBadRequestError extends LlmError { override code = 'LLM_ERR_BAD_REQUEST' }

/** 401/403: the API key is missing or wrong. */
export class LlmAuthError extends LlmError { override code = 'LLM_ERR_AUTH' }

export class LlmModelNotFoundError extends LlmError { override code = 'LLM_ERR_MODEL_NOT_FOUND' }

/** Refused before calling: the estimated prompt plus max_tokens cannot fit the context window. */
export class LlmPromptTooLongError extends LlmError {
  override code = 'LLM_ERR_PROMPT_TOO_LONG'
  constructor (readonly promptTokens: number, readonly maxTokens: number, readonly limit: number) {
    super(`prompt needs about ${promptTokens} tokens + max_tokens ${maxTokens} = ${promptTokens + maxTokens}, over the context limit of ${limit} tokens`)
  }
}

/** The caller's own AbortSignal fired. */
export class LlmAbortedError extends LlmError {
  override code = 'LLM_ERR_ABORTED'
  constructor (options?: ErrorOptions) { super('LLM call aborted by the caller', options) }
}

export type FailReason =
  | 'timeout' | 'unreachable' | 'invalid_json' | 'circuit_open' | 'queue_full' | 'context_length' | 'upstream_error'

/** The `fail_reason` recorded in features.llm.policy for an error code. */
export function failReasonOf (code: string): FailReason {
  switch (code) {
    case 'LLM_ERR_TIMEOUT': return 'timeout'
    case 'LLM_ERR_UNREACHABLE': return 'unreachable'
    case 'LLM_ERR_INVALID_JSON': return 'invalid_json'
    case 'LLM_ERR_CIRCUIT_OPEN': return 'circuit_open'
    case 'LLM_ERR_QUEUE_FULL': return 'queue_full'
    case 'LLM_ERR_CONTEXT_LENGTH':
    case 'LLM_ERR_PROMPT_TOO_LONG': return 'context_length'
    default: return 'upstream_error'
  }
}

/** The metrics/log `outcome` label for an error code (ok/repaired/cache hits are set by the caller). */
export function outcomeOf (code: string): string {
  return code.startsWith('LLM_ERR_') ? code.slice('LLM_ERR_'.length).toLowerCase() : 'error'
}
