/**
 * THE table of LLM error codes: every code a client error can carry, with what each part of the
 * system makes of it. failReasonOf (features.llm.policy / orders.gate fail_reason), the HTTP error
 * mapping (libs/http llmErrorStatus), the metrics/log outcome label and the analytics summary status
 * all read this record; nothing else translates a code. `satisfies` makes a new code a type error
 * until it has its row. No imports: libs/http loads this file alone (@pulsetrade/llm/error-table).
 */

export type LlmErrorCode =
  | 'LLM_ERR'
  | 'LLM_ERR_TIMEOUT'
  | 'LLM_ERR_UNREACHABLE'
  | 'LLM_ERR_CONTEXT_LENGTH'
  | 'LLM_ERR_PROMPT_TOO_LONG'
  | 'LLM_ERR_CIRCUIT_OPEN'
  | 'LLM_ERR_INVALID_JSON'
  | 'LLM_ERR_QUEUE_FULL'
  | 'LLM_ERR_UPSTREAM'
  | 'LLM_ERR_RATE_LIMIT'
  | 'LLM_ERR_BAD_REQUEST'
  | 'LLM_ERR_PRIORITY_UNSUPPORTED'
  | 'LLM_ERR_AUTH'
  | 'LLM_ERR_MODEL_NOT_FOUND'
  | 'LLM_ERR_ABORTED'

/** The `fail_reason` of features.llm.policy and orders.gate for a failed LLM call. */
export type FailReason = 'timeout' | 'unreachable' | 'invalid_json' | 'circuit_open' | 'queue_full' | 'context_length' | 'upstream_error'

export interface LlmErrorSpec {
  failReason: FailReason
  /** HTTP status an API answers with when this error ends a request. */
  status: number
  /** Retry-After sent with `status` when the error carries no wait of its own; null: no header. */
  retryAfterMs: number | null
  /** Metrics/log `outcome` label (llm_client_calls_total, llm_client_attempts_total). */
  outcome: string
  /** The HTTP message's lead; the error's own message follows after ": " (null: the message alone). */
  lead: string | null
  /** Whether the HTTP message quotes the error's own message after the lead. */
  quote: boolean
}

export const LLM_ERRORS = {
  LLM_ERR: { failReason: 'upstream_error', status: 502, retryAfterMs: null, outcome: 'error', lead: 'the LLM failed', quote: true },
  LLM_ERR_TIMEOUT: { failReason: 'timeout', status: 504, retryAfterMs: null, outcome: 'timeout', lead: 'the LLM did not answer in time', quote: true },
  LLM_ERR_UNREACHABLE: { failReason: 'unreachable', status: 502, retryAfterMs: null, outcome: 'unreachable', lead: 'the LLM is unreachable', quote: true },
  LLM_ERR_CONTEXT_LENGTH: {
    failReason: 'context_length',
    status: 400,
    retryAfterMs: null,
    outcome: 'context_length',
    lead: 'the request does not fit the model context',
    quote: true,
  },
  LLM_ERR_PROMPT_TOO_LONG: { failReason: 'context_length', status: 400, retryAfterMs: null, outcome: 'prompt_too_long', lead: null, quote: true },
  LLM_ERR_CIRCUIT_OPEN: {
    failReason: 'circuit_open',
    status: 503,
    retryAfterMs: 5_000,
    outcome: 'circuit_open',
    lead: 'the LLM is failing and its circuit is open',
    quote: true,
  },
  LLM_ERR_INVALID_JSON: { failReason: 'invalid_json', status: 502, retryAfterMs: null, outcome: 'invalid_json', lead: 'the LLM failed', quote: true },
  LLM_ERR_QUEUE_FULL: { failReason: 'queue_full', status: 503, retryAfterMs: 1_000, outcome: 'queue_full', lead: 'the LLM queue is full', quote: true },
  LLM_ERR_UPSTREAM: { failReason: 'upstream_error', status: 502, retryAfterMs: null, outcome: 'upstream', lead: 'the LLM failed', quote: true },
  LLM_ERR_RATE_LIMIT: { failReason: 'upstream_error', status: 503, retryAfterMs: 1_000, outcome: 'rate_limit', lead: 'the LLM is rate limiting', quote: true },
  LLM_ERR_BAD_REQUEST: {
    failReason: 'upstream_error',
    status: 400,
    retryAfterMs: null,
    outcome: 'bad_request',
    lead: 'the model server rejected the request',
    quote: true,
  },
  LLM_ERR_PRIORITY_UNSUPPORTED: {
    failReason: 'upstream_error',
    status: 502,
    retryAfterMs: null,
    outcome: 'priority_unsupported',
    lead: 'the LLM failed',
    quote: true,
  },
  LLM_ERR_AUTH: { failReason: 'upstream_error', status: 502, retryAfterMs: null, outcome: 'auth', lead: 'the LLM failed', quote: true },
  LLM_ERR_MODEL_NOT_FOUND: { failReason: 'upstream_error', status: 502, retryAfterMs: null, outcome: 'model_not_found', lead: 'the LLM failed', quote: true },
  LLM_ERR_ABORTED: { failReason: 'upstream_error', status: 499, retryAfterMs: null, outcome: 'aborted', lead: 'the request was aborted', quote: false },
} as const satisfies Record<LlmErrorCode, LlmErrorSpec>

export const LLM_ERROR_CODES = Object.keys(LLM_ERRORS) as LlmErrorCode[]

export const isLlmErrorCode = (code: unknown): code is LlmErrorCode => typeof code === 'string' && Object.hasOwn(LLM_ERRORS, code)

/** The row of a code; a code this build does not know (a stored row from a later one) reads as LLM_ERR. */
export const llmErrorSpec = (code: string): LlmErrorSpec => (isLlmErrorCode(code) ? LLM_ERRORS[code] : LLM_ERRORS.LLM_ERR)

/**
 * An error as an LlmResult stores it (`error`): its code and, for a circuit open, the code of the
 * failures that opened it (`cause`; absent in rows older than the field). `message` is for people.
 */
export interface LlmErrorData {
  code: string
  cause?: string | null
  message?: string
}

/** A thrown LlmError: `causeCode` is its cause (`cause` is the Error's own, an exception). */
export interface ThrownLlmError {
  code: string
  causeCode: string | null
}

/**
 * The fail_reason of an error: a circuit opened by timeouts reads `timeout` (its cause field), any
 * other error its code's. Only the code fields are read, never a message.
 */
export function failReasonOf(error: string | LlmErrorData | ThrownLlmError): FailReason {
  if (typeof error === 'string') return llmErrorSpec(error).failReason
  const cause = 'causeCode' in error ? error.causeCode : error.cause
  if (error.code === 'LLM_ERR_CIRCUIT_OPEN' && typeof cause === 'string' && cause !== error.code) return llmErrorSpec(cause).failReason
  return llmErrorSpec(error.code).failReason
}

/** The metrics/log `outcome` label of an error code (ok/repaired/cache hits are set by the caller). */
export const outcomeOf = (code: string): string => llmErrorSpec(code).outcome
