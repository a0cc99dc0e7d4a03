import {
  LLM_ERROR_TEXT,
  LlmAuthError,
  LlmBadRequestError,
  LlmPriorityUnsupportedError,
  LlmContextLengthError,
  LlmError,
  LlmModelNotFoundError,
  LlmRateLimitError,
  LlmTimeoutError,
  LlmUnreachableError,
  LlmUpstreamError,
} from './errors'
import { retryAfterMs, type HeaderBag } from './retry-after'

/** Everything known about one failed attempt. Any subset may be present. */
export interface FailureInput {
  /** HTTP status of the upstream response. */
  status?: number | null
  /** The raw response body text. */
  body?: string | null
  headers?: HeaderBag | null
  /** The exception thrown anywhere in the attempt (undici, stream parser). */
  error?: unknown
  /** The reason our own call signal fired (a deadline LlmTimeoutError or a caller LlmAbortedError). */
  abortReason?: unknown
  /** The call's total time budget, for timeouts detected below us. */
  timeoutMs?: number
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
const CONTEXT_RE = /maximum context length is (\d+)/
// vllm/engine (add_request): raised when a request's priority is not 0 and the policy is fcfs.
const PRIORITY_RE = /^Got priority -?\d+ but Priority scheduling is not enabled\./

/**
 * THE mapping from (status, body, exception) to a typed LlmError. Understands vLLM's flat
 * `{object:"error",message}` (<= 0.10.0) and nested `{error:{message}}` (>= 0.10.1) envelopes,
 * `{error:"Unauthorized"}`, FastAPI's `{detail}`, the empty body of a dead engine, and undici's
 * connection errors. vLLM's message is always kept. vLLM sends no code for a context overflow or a
 * refused priority: those two are told by its body text (CONTEXT_RE, PRIORITY_RE), the protocol's
 * only signal; our own messages are never read back.
 */
export function toLlmError(input: FailureInput): LlmError {
  const { error } = input
  if (error instanceof LlmError) return error
  if (input.abortReason instanceof LlmError) return input.abortReason
  if (input.status != null) return fromResponse(input.status, parseBody(input.body), input.headers ?? null, error)
  const coded = findCoded(error)
  if (coded && TIMEOUT_CODES.has(coded.code)) return new LlmTimeoutError(input.timeoutMs ?? 0, 'request', { cause: error })
  if (coded && NETWORK_CODES.has(coded.code)) {
    const reset = RESET_CODES.has(coded.code)
    return new LlmUnreachableError(
      reset ? LLM_ERROR_TEXT.connectionReset(coded.message) : LLM_ERROR_TEXT.connectFailed(coded.message),
      reset ? 'reset' : 'connect',
      { cause: error },
    )
  }
  const message = error instanceof Error ? error.message : String(error)
  return new LlmError(message || LLM_ERROR_TEXT.unknown(), { cause: error })
}

/**
 * An in-band stream error frame (`data: {"error":{message,type,code}}`): vLLM's integer `code`
 * stands in for the status (500 when it has none).
 */
export function streamFrameError(error: unknown): LlmError {
  const code = (error as { code?: unknown } | null)?.code
  const status = typeof code === 'number' && code >= 400 ? code : 500
  return fromResponse(status, describe(error), null, undefined)
}

/** `text`: the upstream's own words (vLLM's error message), null for an empty body. */
interface ParsedBody {
  text: string | null
  raw: string
}

function fromResponse(status: number, body: ParsedBody, headers: HeaderBag | null, cause: unknown): LlmError {
  const opts = { cause, status, retryAfterMs: retryAfterMs(headers) }
  // Only vLLM's body text is looked into (it has no code for these two), never a message of ours.
  const vllmText = body.text
  const ctx = vllmText === null ? null : CONTEXT_RE.exec(vllmText)
  const shown = vllmText ?? LLM_ERROR_TEXT.emptyBody(status)
  if (ctx && status < 500) return new LlmContextLengthError(shown, Number(ctx[1]), requestedTokens(vllmText as string), opts)
  if (status === 400 && vllmText !== null && PRIORITY_RE.test(vllmText)) return new LlmPriorityUnsupportedError(shown, opts)
  if (status === 401 || status === 403) return new LlmAuthError(LLM_ERROR_TEXT.upstreamStatus(status, shown), opts)
  if (status === 404) return new LlmModelNotFoundError(shown, opts)
  if (status === 429) return new LlmRateLimitError(shown, opts)
  if (status === 408 || status >= 500) return new LlmUpstreamError(LLM_ERROR_TEXT.upstreamStatus(status, shown), opts)
  return new LlmBadRequestError(shown, opts)
}

/** Total tokens the request asked for, from any of vLLM's wordings; null when not stated. */
function requestedTokens(vllmText: string): number | null {
  const total = /you requested (\d+) tokens/.exec(vllmText)
  if (total) return Number(total[1])
  const input = /(?:request has|your request has) (\d+) input tokens/.exec(vllmText)
  const tooLarge = /is too large: (\d+)/.exec(vllmText)
  if (input && tooLarge) return Number(input[1]) + Number(tooLarge[1])
  return input ? Number(input[1]) : null
}

function parseBody(body: string | null | undefined): ParsedBody {
  const raw = (body ?? '').trim()
  if (raw === '') return { text: null, raw }
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return { text: raw.slice(0, 2000), raw }
  }
  return { ...describe(json), raw }
}

/** The upstream's words inside any of the envelopes. */
function describe(json: unknown): ParsedBody {
  const raw = json === undefined ? '' : JSON.stringify(json)
  if (json == null) return { text: null, raw }
  if (typeof json === 'string') return { text: json, raw }
  if (typeof json !== 'object') return { text: String(json), raw }
  const o = json as Record<string, unknown>
  const inner = o.error
  if (typeof inner === 'string') return { text: inner, raw }
  if (inner && typeof inner === 'object' && typeof (inner as { message?: unknown }).message === 'string') {
    return { text: (inner as { message: string }).message, raw }
  }
  if (typeof o.message === 'string') return { text: o.message, raw }
  if (o.detail !== undefined) return { text: typeof o.detail === 'string' ? o.detail : JSON.stringify(o.detail), raw }
  return { text: raw, raw }
}

/** The innermost error in the cause chain that carries a string `code` (undici/Node network errors). */
function findCoded(error: unknown): { code: string; message: string } | null {
  let found: { code: string; message: string } | null = null
  let cur: unknown = error
  for (let depth = 0; cur && typeof cur === 'object' && depth < 8; depth++) {
    const c = cur as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown }
    if (typeof c.code === 'string') found = { code: c.code, message: typeof c.message === 'string' && c.message !== '' ? c.message : c.code }
    // AggregateError (happy-eyeballs connect to several addresses): look at the first one.
    cur = c.cause ?? (Array.isArray(c.errors) ? c.errors[0] : undefined)
  }
  return found
}
