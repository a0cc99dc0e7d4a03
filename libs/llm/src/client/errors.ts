/**
 * Typed errors of the LLM client. Every failure a caller can see is one of these, with a stable
 * `code` (error-table.ts says what each code means to the gate, HTTP and metrics). Provider statuses
 * and transport exceptions become these in exactly one place (to-llm-error.ts). Messages are for
 * people: their wording lives in LLM_ERROR_TEXT and nothing reads a code back out of one.
 */
import type { LlmErrorCode, LlmErrorData } from './error-table'

export type TimeoutPhase = 'queue' | 'request' | 'stream' | 'stream_idle'

/** Why one upstream's circuit is open (see CircuitOpening in circuit-breaker.ts). */
export interface UpstreamOpening {
  upstream: string
  /** Error code of the failure that opened it, e.g. LLM_ERR_TIMEOUT. */
  code: LlmErrorCode
  /** Consecutive failures in the run that opened it; `sameCode` of them, counted back from the last, had `code`. */
  failures: number
  sameCode: number
  /** Clock time of the opening. */
  at: number
}

const CAUSE_NOUNS: Partial<Record<LlmErrorCode, [string, string]>> = {
  LLM_ERR_TIMEOUT: ['timeout', 'timeouts'],
  LLM_ERR_UNREACHABLE: ['connection failure', 'connection failures'],
  LLM_ERR_UPSTREAM: ['upstream error', 'upstream errors'],
}
const causeNoun = (code: LlmErrorCode, n: number): string => {
  const nouns = CAUSE_NOUNS[code] ?? [`${code} failure`, `${code} failures`]
  return n === 1 ? nouns[0] : nouns[1]
}
const openingText = (o: UpstreamOpening): string =>
  o.sameCode >= o.failures
    ? `${o.upstream} after ${o.failures} consecutive ${causeNoun(o.code, o.failures)}`
    : `${o.upstream} after ${o.failures} consecutive failures, the last ${o.sameCode} ${causeNoun(o.code, o.sameCode)}`

/**
 * The wording of every message the client composes itself. One place, so the wording can change
 * freely: codes and causes travel as fields (libs/llm/test/client-error-data.test.ts rewrites every
 * entry and checks the recorded fail_reason values stay the same).
 */
export const LLM_ERROR_TEXT = {
  timeout: (ms: number, phase: TimeoutPhase): string => `timeout after ${ms} ms${phase === 'request' ? '' : ` (${phase.replace('_', ' ')})`}`,
  /** `recent`: the openings, most recent first; `upstreams`: every upstream (those without an opening are named bare). */
  circuitOpen: (upstreams: readonly string[], recent: readonly UpstreamOpening[]): string => {
    const named = new Set(recent.map((o) => o.upstream))
    return `circuit open for ${[...recent.map(openingText), ...upstreams.filter((u) => !named.has(u))].join('; ')}`
  },
  queueFull: (maxQueue: number): string => `LLM wait queue is full (${maxQueue} waiting)`,
  promptTooLong: (promptTokens: number, maxTokens: number, limit: number): string =>
    `prompt needs about ${promptTokens} tokens + max_tokens ${maxTokens} = ${promptTokens + maxTokens}, over the context limit of ${limit} tokens`,
  aborted: (): string => 'LLM call aborted by the caller',
  /** undici's own words, e.g. "connect ECONNREFUSED 127.0.0.1:8008". */
  connectFailed: (detail: string): string => detail,
  connectionReset: (detail: string): string => `connection reset: ${detail}`,
  /** A status the upstream answered with, and its message. */
  upstreamStatus: (status: number, message: string): string => `${status} ${message}`,
  emptyBody: (status: number): string => `upstream returned ${status} with an empty body${status === 500 ? ' (engine dead?)' : ''}`,
  notJson: (body: string): string => `upstream answered 2xx with a body that is not JSON: ${body.slice(0, 200)}`,
  noChoices: (): string => 'upstream answered 2xx without a choices array',
  contentNotString: (): string => 'upstream answered a choice whose message.content is not a string',
  noChoiceMessage: (): string => 'upstream answered without a choice message',
  noModelList: (): string => 'upstream answered /models without a data array',
  noTokenCount: (status: number): string => `tokenize answered ${status} without a count`,
  streamBroken: (detail: string): string => `the stream broke: ${detail}`,
  stillInvalid: (problem: string, first: string): string => `still invalid after one repair round: ${problem} (first attempt: ${first})`,
  noRoomToRepair: (problem: string, detail: string): string => `${problem}; no room for a repair round (${detail})`,
  unknown: (): string => 'unknown LLM client error',
}

export interface LlmErrorOptions extends ErrorOptions {
  status?: number | null
  retryAfterMs?: number | null
  causeCode?: LlmErrorCode | null
}

export class LlmError extends Error {
  code: LlmErrorCode = 'LLM_ERR'
  /** Upstream HTTP status when the error came from a response, else null. */
  readonly status: number | null
  /** Wait asked for by Retry-After / retry-after-ms, when the upstream sent one. */
  readonly retryAfterMs: number | null
  /** The code of the failures behind this one (a circuit open: the failures that opened it), else null. */
  readonly causeCode: LlmErrorCode | null
  /** X-Request-Id of the attempt that failed, when one was sent (set by the client). */
  requestId: string | null = null

  constructor(message: string, options?: LlmErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.status = options?.status ?? null
    this.retryAfterMs = options?.retryAfterMs ?? null
    this.causeCode = options?.causeCode ?? null
  }

  /** What an LlmResult stores (`error`): the code and cause as fields, the message for people. */
  toData(): Required<LlmErrorData> & { code: LlmErrorCode; cause: LlmErrorCode | null } {
    return { code: this.code, cause: this.causeCode, message: this.message }
  }
}

export class LlmTimeoutError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_TIMEOUT'
  constructor(
    readonly timeoutMs: number,
    readonly phase: TimeoutPhase,
    options?: ErrorOptions,
  ) {
    super(LLM_ERROR_TEXT.timeout(timeoutMs, phase), options)
  }
}

/**
 * Connection refused, reset, DNS failure: the message keeps the cause, e.g. "connect ECONNREFUSED
 * 127.0.0.1:8008". `phase` "connect" means the request never reached the upstream (safe to fail over).
 */
export class LlmUnreachableError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_UNREACHABLE'
  constructor(
    message: string,
    readonly phase: 'connect' | 'reset',
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export class LlmContextLengthError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_CONTEXT_LENGTH'
  constructor(
    message: string,
    readonly limit: number,
    readonly requested: number | null,
    options?: LlmErrorOptions,
  ) {
    super(message, options)
  }
}

/**
 * Every circuit is open: the call failed fast, without reaching an upstream. The code stays
 * LLM_ERR_CIRCUIT_OPEN; `causeCode` (stored as `cause` in an LlmResult's error) is the code of the
 * failures that opened the circuit, the most recently opened one when several are open. The message
 * names each open upstream with its cause, for people.
 */
export class LlmCircuitOpenError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_CIRCUIT_OPEN'
  /** The most recent opening among the open circuits, or null when no cause is known. */
  readonly openedBy: UpstreamOpening | null

  constructor(
    readonly upstreams: string[],
    openings: readonly UpstreamOpening[] = [],
  ) {
    const recent = [...openings].sort((a, b) => b.at - a.at)
    super(LLM_ERROR_TEXT.circuitOpen(upstreams, recent), { causeCode: recent[0]?.code ?? null })
    this.openedBy = recent[0] ?? null
  }
}

export class LlmInvalidJsonError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_INVALID_JSON'
}

export class LlmQueueFullError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_QUEUE_FULL'
  constructor(readonly maxQueue: number) {
    super(LLM_ERROR_TEXT.queueFull(maxQueue))
  }
}

/** 5xx (and exhausted 408/429): the upstream answered but failed. `status` is kept. */
export class LlmUpstreamError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_UPSTREAM'
}

export class LlmRateLimitError extends LlmUpstreamError {
  override code: LlmErrorCode = 'LLM_ERR_RATE_LIMIT'
}

/** Any other 4xx the upstream refused (validation, unsupported media type, duplicate request id...). */
export class LlmBadRequestError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_BAD_REQUEST'
}

/**
 * vLLM started without `--scheduling-policy priority` refused a request carrying a non-zero
 * `priority` (400 "Got priority N but Priority scheduling is not enabled."). The client then sends
 * that upstream no priority and repeats the request once; callers only see it if that fails too.
 */
export class LlmPriorityUnsupportedError extends LlmBadRequestError {
  override code: LlmErrorCode = 'LLM_ERR_PRIORITY_UNSUPPORTED'
}

/** 401/403: the API key is missing or wrong. */
export class LlmAuthError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_AUTH'
}

export class LlmModelNotFoundError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_MODEL_NOT_FOUND'
}

/** Refused before calling: the estimated prompt plus max_tokens cannot fit the context window. */
export class LlmPromptTooLongError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_PROMPT_TOO_LONG'
  constructor(
    readonly promptTokens: number,
    readonly maxTokens: number,
    readonly limit: number,
  ) {
    super(LLM_ERROR_TEXT.promptTooLong(promptTokens, maxTokens, limit))
  }
}

/** The caller's own AbortSignal fired. */
export class LlmAbortedError extends LlmError {
  override code: LlmErrorCode = 'LLM_ERR_ABORTED'
  constructor(options?: ErrorOptions) {
    super(LLM_ERROR_TEXT.aborted(), options)
  }
}

export { failReasonOf, outcomeOf, type FailReason, type LlmErrorCode } from './error-table'
