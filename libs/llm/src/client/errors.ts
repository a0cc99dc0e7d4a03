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

/** Why one upstream's circuit is open (see CircuitOpening in circuit-breaker.ts). */
export interface UpstreamOpening {
  upstream: string
  /** Error code of the failure that opened it, e.g. LLM_ERR_TIMEOUT. */
  code: string
  /** Consecutive failures in the run that opened it; `sameCode` of them, counted back from the last, had `code`. */
  failures: number
  sameCode: number
  /** Clock time of the opening. */
  at: number
}

const CAUSE_NOUNS: Record<string, [string, string]> = {
  LLM_ERR_TIMEOUT: ['timeout', 'timeouts'],
  LLM_ERR_UNREACHABLE: ['connection failure', 'connection failures'],
  LLM_ERR_UPSTREAM: ['upstream error', 'upstream errors'],
}
const causeNoun = (code: string, n: number): string => {
  const nouns = CAUSE_NOUNS[code] ?? [`${code} failure`, `${code} failures`]
  return n === 1 ? nouns[0] : nouns[1]
}
const openingText = (o: UpstreamOpening): string => o.sameCode >= o.failures
  ? `${o.upstream} after ${o.failures} consecutive ${causeNoun(o.code, o.failures)}`
  : `${o.upstream} after ${o.failures} consecutive failures, the last ${o.sameCode} ${causeNoun(o.code, o.sameCode)}`

/**
 * Every circuit is open: the call failed fast, without reaching an upstream. The code stays
 * LLM_ERR_CIRCUIT_OPEN; `openedBy` / `causeCode` say which failures opened the circuit, the most
 * recently opened one when several are open. The message names each open upstream with its cause,
 * the most recent first, e.g. "circuit open for lexi:8008/v1 after 5 consecutive timeouts".
 */
export class LlmCircuitOpenError extends LlmError {
  override code = 'LLM_ERR_CIRCUIT_OPEN'
  /** The most recent opening among the open circuits, or null when no cause is known. */
  readonly openedBy: UpstreamOpening | null
  /** Error code of the failure that opened the circuit (openedBy.code), or null. */
  readonly causeCode: string | null

  constructor (readonly upstreams: string[], openings: readonly UpstreamOpening[] = []) {
    const recent = [...openings].sort((a, b) => b.at - a.at)
    const named = new Set(recent.map((o) => o.upstream))
    const parts = [...recent.map(openingText), ...upstreams.filter((u) => !named.has(u))]
    super(`circuit open for ${parts.join('; ')}`)
    this.openedBy = recent[0] ?? null
    this.causeCode = this.openedBy?.code ?? null
  }

  /**
   * The cause code named by a stored circuit-open message (an LlmResult's error keeps only code and
   * message): the first upstream's, which is the most recent opening. Null when it names none.
   */
  static causeCodeOf (message: string): string | null {
    const first = message.startsWith('circuit open for ') ? message.slice('circuit open for '.length).split('; ')[0] : undefined
    const m = first?.match(/ after \d+ consecutive (?:failures, the last \d+ )?(.+)$/)
    if (!m) return null
    const noun = m[1] as string
    for (const [code, forms] of Object.entries(CAUSE_NOUNS)) if (forms.includes(noun)) return code
    return noun.match(/^(LLM_ERR_[A-Z_]+) failures?$/)?.[1] ?? null
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

/**
 * vLLM started without `--scheduling-policy priority` refused a request carrying a non-zero
 * `priority` (400 "Got priority N but Priority scheduling is not enabled."). The client then sends
 * that upstream no priority and repeats the request once; callers only see it if that fails too.
 */
export class LlmPriorityUnsupportedError extends LlmBadRequestError { override code = 'LLM_ERR_PRIORITY_UNSUPPORTED' }

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

/**
 * The `fail_reason` recorded in features.llm.policy for an error code. Given the error itself (an
 * LlmError, or the `{code, message}` of an LlmResult), a circuit-open error whose cause is known
 * gives the reason of that cause (`timeout` when consecutive timeouts opened the circuit).
 */
export function failReasonOf (error: string | { code: string, message?: string }): FailReason {
  const code = typeof error === 'string' ? error : error.code
  if (typeof error !== 'string' && code === 'LLM_ERR_CIRCUIT_OPEN') {
    const cause = error instanceof LlmCircuitOpenError ? error.causeCode : LlmCircuitOpenError.causeCodeOf(error.message ?? '')
    if (cause != null && cause !== code) return failReasonOf(cause)
  }
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
