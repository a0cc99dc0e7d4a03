import OpenAI from 'openai'
import { Agent, fetch as undiciFetch, request, Response as UndiciResponse, type Dispatcher } from 'undici'
import { createCircuitBreaker, type CircuitBreaker, type CircuitOpening, type CircuitState } from './circuit-breaker'
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions'
import { LlmUpstreamError } from './errors'
import type { HeaderBag } from './retry-after'
import type { ChatMessage } from '../types'

/** What the transport saw of a non-2xx response before handing it to the SDK. */
export interface CapturedResponse { status: number, body: string, headers: HeaderBag }

export interface Upstream {
  /** Base URL as configured (ends in /v1). */
  url: string
  /** host[:port]/path, credentials stripped: used in logs, metrics and llm_calls.upstream. */
  label: string
  /** Streams and /v1/models. */
  openai: OpenAI
  /**
   * POST /chat/completions without streaming, straight over the pool (no SDK request/Response
   * objects: they cost more CPU than the whole raw round trip on a fast upstream). A non-2xx answer is
   * captured under `requestId` like the SDK path's, then thrown.
   */
  createCompletion: (body: ChatCompletionCreateParamsNonStreaming, o: { signal: AbortSignal, requestId: string, priority?: number | null }) => Promise<ChatCompletion>
  breaker: CircuitBreaker
  inFlight: number
  /** This upstream answered that priority scheduling is not enabled: send it no `priority` field. */
  priorityRefused: boolean
  /** The error response captured for the request that carried this X-Request-Id (removes it). */
  takeCapture: (requestId: string) => CapturedResponse | undefined
  /** POST /tokenize (server root) → token count of the chat prompt. */
  tokenize: (model: string, messages: ChatMessage[], signal: AbortSignal) => Promise<number>
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

export function upstreamLabel (url: string): string {
  const u = new URL(url)
  return `${u.host}${u.pathname.replace(/\/+$/, '')}`
}

/** One replica: its own keep-alive pool, SDK client (SDK retries off) and circuit breaker. */
export function createUpstream (opts: UpstreamOptions): Upstream {
  const label = upstreamLabel(opts.url)
  const ownAgent = opts.dispatcher ? null : new Agent({
    connections: opts.connections,
    pipelining: 1,
    keepAliveTimeout: 4_000, // below uvicorn's 5 s, so we never reuse a socket the server is closing
    keepAliveTimeoutThreshold: 1_000,
    headersTimeout: opts.transportTimeoutMs,
    bodyTimeout: opts.transportTimeoutMs,
    connect: { timeout: Math.min(10_000, opts.transportTimeoutMs) },
  })
  const dispatcher: Dispatcher = opts.dispatcher ?? (ownAgent as Agent)
  const captures = new Map<string, CapturedResponse>()

  // The SDK drops the flat envelope's message ("400 status code (no body)"), so error bodies are read
  // here and parked under the request id; the client maps them with toLlmError.
  const transport = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // undici's fetch takes the same arguments as the global one plus `dispatcher`.
    const res = await undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })
    if (res.ok) return res as unknown as Response
    const requestId = new Headers(init?.headers).get('x-request-id')
    const body = await res.text().catch(() => '')
    if (requestId) captures.set(requestId, { status: res.status, body, headers: res.headers })
    return new UndiciResponse(body, { status: res.status, statusText: res.statusText, headers: res.headers }) as unknown as Response
  }

  const openai = new OpenAI({
    baseURL: opts.url,
    apiKey: opts.apiKey,
    maxRetries: 0,
    timeout: opts.transportTimeoutMs,
    fetch: transport,
    logLevel: 'off',
    organization: null,
    project: null,
    webhookSecret: null,
  })

  const breaker = createCircuitBreaker({
    failureThreshold: opts.failureThreshold,
    cooldownMs: opts.cooldownMs,
    now: opts.now,
    onStateChange: (s) => opts.onCircuitChange?.(label, s, breaker.openedBy()),
  })

  const completionsUrl = new URL('chat/completions', opts.url.endsWith('/') ? opts.url : `${opts.url}/`)
  const authorization = `Bearer ${opts.apiKey}`
  const createCompletion: Upstream['createCompletion'] = async (body, o) => {
    const res = await request(completionsUrl, {
      method: 'POST',
      dispatcher,
      signal: o.signal,
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization, 'x-request-id': o.requestId },
      body: JSON.stringify(o.priority == null ? body : { ...body, priority: o.priority }),
    })
    const text = await res.body.text()
    if (res.statusCode < 200 || res.statusCode > 299) {
      captures.set(o.requestId, { status: res.statusCode, body: text, headers: headerBag(res.headers) })
      // Not an LlmError: the runner maps the captured status and body (toLlmError) into the typed one.
      throw new Error(`upstream answered ${res.statusCode}`)
    }
    return parseCompletion(text)
  }

  const root = new URL(opts.url)
  root.pathname = root.pathname.replace(/\/v1\/?$/, '/')

  const upstream: Upstream = {
    url: opts.url,
    label,
    openai,
    createCompletion,
    breaker,
    inFlight: 0,
    priorityRefused: false,
    takeCapture: (id) => {
      const c = captures.get(id)
      captures.delete(id)
      return c
    },
    tokenize: async (model, messages, signal) => {
      const res = await request(new URL('tokenize', root), {
        method: 'POST',
        dispatcher,
        signal,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` },
        body: JSON.stringify({ model, messages, add_generation_prompt: true }),
      })
      const json = await res.body.json() as { count?: unknown }
      if (res.statusCode !== 200 || typeof json.count !== 'number') throw new Error(`tokenize answered ${res.statusCode}`)
      return json.count
    },
    close: async () => { await ownAgent?.close() },
  }
  return upstream
}

type RawHeaders = Record<string, string | string[] | undefined>

function headerBag (h: RawHeaders): HeaderBag {
  return {
    get: (name) => {
      const v = h[name.toLowerCase()]
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
    },
  }
}

/** A 2xx body as a chat completion; anything that is not one is an upstream failure, not a crash. */
function parseCompletion (text: string): ChatCompletion {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new LlmUpstreamError(`upstream answered 2xx with a body that is not JSON: ${text.slice(0, 200)}`)
  }
  const choices = (json as { choices?: unknown } | null)?.choices
  if (!Array.isArray(choices)) throw new LlmUpstreamError('upstream answered 2xx without a choices array')
  for (const c of choices as unknown[]) {
    const content = (c as { message?: { content?: unknown } } | null)?.message?.content
    if (content !== undefined && content !== null && typeof content !== 'string') {
      throw new LlmUpstreamError('upstream answered a choice whose message.content is not a string')
    }
  }
  return json as ChatCompletion
}
