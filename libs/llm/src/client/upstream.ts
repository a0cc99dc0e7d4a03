import { Agent, request, type Dispatcher } from 'undici'
import type { AbortHook } from './abort-hook'
import { dispatchText } from './dispatch-text'
import { createCircuitBreaker, type CircuitBreaker, type CircuitOpening, type CircuitState } from './circuit-breaker'
import { LLM_ERROR_TEXT, LlmUpstreamError } from './errors'
import type { HeaderBag } from './retry-after'
import { sseChunks } from './sse-chunks'
import { toLlmError } from './to-llm-error'
import type { ChatCompletion, ChatCompletionBody, ChatCompletionChunk, ModelCard } from './wire'
import type { ChatMessage } from '../types'

/** What one request to an upstream carries besides its body. */
export interface SendOptions {
  abort: AbortHook
  requestId: string
  priority?: number | null
}

export interface Upstream {
  /** Base URL as configured (ends in /v1). */
  url: string
  /** host[:port]/path, credentials stripped: used in logs, metrics and llm_calls.upstream. */
  label: string
  /** POST /chat/completions without streaming. A non-2xx answer throws its typed LlmError. */
  createCompletion: (body: ChatCompletionBody, o: SendOptions) => Promise<ChatCompletion>
  /**
   * POST /chat/completions with `stream: true`: resolves once the headers are in (a non-2xx answer
   * throws its typed LlmError), then yields the chunks as they arrive (sse-chunks.ts).
   */
  openStream: (body: ChatCompletionBody, o: SendOptions) => Promise<AsyncGenerator<ChatCompletionChunk, void, undefined>>
  /** GET /models. */
  listModels: (o: SendOptions) => Promise<ModelCard[]>
  /** POST /tokenize (server root) → token count of the chat prompt. */
  tokenize: (model: string, messages: ChatMessage[], abort: AbortHook) => Promise<number>
  breaker: CircuitBreaker
  inFlight: number
  /** This upstream answered that priority scheduling is not enabled: send it no `priority` field. */
  priorityRefused: boolean
  close: () => Promise<void>
}

export interface UpstreamOptions {
  url: string
  apiKey: string
  /** Sockets to open to this upstream (the client's concurrency). */
  connections: number
  /** undici headersTimeout/bodyTimeout: a backstop just beyond the longest call deadline. */
  transportTimeoutMs: number
  failureThreshold: number
  cooldownMs: number
  now: () => number
  /** `opening`: the failures that opened it (null once closed). */
  onCircuitChange?: (label: string, state: CircuitState, opening: CircuitOpening | null) => void
  /** Swap the transport (tests); the client closes only dispatchers it created. */
  dispatcher?: Dispatcher
}

export function upstreamLabel(url: string): string {
  const u = new URL(url)
  return `${u.host}${u.pathname.replace(/\/+$/, '')}`
}

type RawHeaders = Record<string, string | string[] | undefined>

function headerBag(h: RawHeaders): HeaderBag {
  return {
    get: (name) => {
      const v = h[name.toLowerCase()]
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
    },
  }
}

const ok = (status: number): boolean => status >= 200 && status <= 299

/**
 * One replica: its own keep-alive pool and circuit breaker. Every request goes over undici on that
 * pool: answers read whole (completions, models, tokenize) through its dispatcher API
 * (dispatch-text.ts), streams through `request` for the body stream. No fetch Request/Response
 * objects: they cost more CPU than the whole raw round trip on a fast upstream. A non-2xx answer is
 * mapped to its typed error right here, where status, body and headers are in hand.
 */
export function createUpstream(opts: UpstreamOptions): Upstream {
  const label = upstreamLabel(opts.url)
  const ownAgent = opts.dispatcher
    ? null
    : new Agent({
        connections: opts.connections,
        pipelining: 1,
        keepAliveTimeout: 4_000, // below uvicorn's 5 s, so we never reuse a socket the server is closing
        keepAliveTimeoutThreshold: 1_000,
        headersTimeout: opts.transportTimeoutMs,
        bodyTimeout: opts.transportTimeoutMs,
        connect: { timeout: Math.min(10_000, opts.transportTimeoutMs) },
      })
  const dispatcher: Dispatcher = opts.dispatcher ?? (ownAgent as Agent)
  const authorization = `Bearer ${opts.apiKey}`
  const base = opts.url.endsWith('/') ? opts.url : `${opts.url}/`
  const completionsUrl = new URL('chat/completions', base)
  const modelsUrl = new URL('models', base)
  const root = new URL(opts.url)
  root.pathname = root.pathname.replace(/\/v1\/?$/, '/')
  const tokenizeUrl = new URL('tokenize', root)

  const breaker = createCircuitBreaker({
    failureThreshold: opts.failureThreshold,
    cooldownMs: opts.cooldownMs,
    now: opts.now,
    onStateChange: (s) => opts.onCircuitChange?.(label, s, breaker.openedBy()),
  })

  type SendTo = SendOptions & { method: 'GET' | 'POST'; body?: ChatCompletionBody; accept: string }
  const headersOf = (o: SendTo): Record<string, string> =>
    o.body
      ? { 'content-type': 'application/json', accept: o.accept, authorization, 'x-request-id': o.requestId }
      : { accept: o.accept, authorization, 'x-request-id': o.requestId }
  const bodyOf = (o: SendTo): string | undefined => (o.body ? JSON.stringify(o.priority == null ? o.body : { ...o.body, priority: o.priority }) : undefined)

  /** A streamed request (`request`, for its body stream); a non-2xx answer becomes its typed LlmError (its body read first). */
  const send = async (url: URL, o: SendTo): Promise<Dispatcher.ResponseData> => {
    const body = bodyOf(o)
    const res = await request(url, { method: o.method, dispatcher, signal: o.abort.signal, headers: headersOf(o), ...(body === undefined ? {} : { body }) })
    if (ok(res.statusCode)) return res
    const text = await res.body.text().catch(() => '')
    throw toLlmError({ status: res.statusCode, body: text, headers: headerBag(res.headers) })
  }

  /** A request answered as a whole (dispatch-text.ts); a non-2xx answer becomes its typed LlmError. */
  const sendText = async (url: URL, o: SendTo): Promise<string> => {
    const body = bodyOf(o)
    const res = await dispatchText(dispatcher, { url, method: o.method, abort: o.abort, headers: headersOf(o), ...(body === undefined ? {} : { body }) })
    if (ok(res.status)) return res.text
    throw toLlmError({ status: res.status, body: res.text, headers: headerBag(res.headers) })
  }

  return {
    url: opts.url,
    label,
    createCompletion: async (body, o) => parseCompletion(await sendText(completionsUrl, { ...o, method: 'POST', body, accept: 'application/json' })),
    openStream: async (body, o) => {
      const res = await send(completionsUrl, { ...o, method: 'POST', body, accept: 'text/event-stream' })
      return sseChunks(res.body)
    },
    listModels: async (o) => {
      const json = parseJson(await sendText(modelsUrl, { ...o, method: 'GET', accept: 'application/json' }))
      const data = (json as { data?: unknown } | null)?.data
      if (!Array.isArray(data)) throw new LlmUpstreamError(LLM_ERROR_TEXT.noModelList())
      return data as ModelCard[]
    },
    tokenize: async (model, messages, abort) => {
      const res = await dispatchText(dispatcher, {
        url: tokenizeUrl,
        method: 'POST',
        abort,
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ model, messages, add_generation_prompt: true }),
      })
      const text = res.text
      if (!ok(res.status)) throw toLlmError({ status: res.status, body: text, headers: headerBag(res.headers) })
      let count: unknown
      try {
        count = (JSON.parse(text) as { count?: unknown } | null)?.count
      } catch {
        count = undefined
      }
      if (typeof count !== 'number') throw new LlmUpstreamError(LLM_ERROR_TEXT.noTokenCount(res.status))
      return count
    },
    breaker,
    inFlight: 0,
    priorityRefused: false,
    close: async () => {
      await ownAgent?.close()
    },
  }
}

/** A 2xx body as JSON; a body that is not JSON is an upstream failure, not a crash. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new LlmUpstreamError(LLM_ERROR_TEXT.notJson(text))
  }
}

/** A 2xx body as a chat completion; anything that is not one is an upstream failure, not a crash. */
function parseCompletion(text: string): ChatCompletion {
  const json = parseJson(text)
  const choices = (json as { choices?: unknown } | null)?.choices
  if (!Array.isArray(choices)) throw new LlmUpstreamError(LLM_ERROR_TEXT.noChoices())
  for (const c of choices as unknown[]) {
    const content = (c as { message?: { content?: unknown } } | null)?.message?.content
    if (content !== undefined && content !== null && typeof content !== 'string') {
      throw new LlmUpstreamError(LLM_ERROR_TEXT.contentNotString())
    }
  }
  return json as ChatCompletion
}
