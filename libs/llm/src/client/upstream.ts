import OpenAI from 'openai'
import { Agent, fetch as undiciFetch, request, Response as UndiciResponse, type Dispatcher } from 'undici'
import { createCircuitBreaker, type CircuitBreaker, type CircuitState } from './circuit-breaker'
import type { HeaderBag } from './retry-after'
import type { ChatMessage } from '../types'

/** What the transport saw of a non-2xx response before handing it to the SDK. */
export interface CapturedResponse { status: number, body: string, headers: HeaderBag }

export interface Upstream {
  /** Base URL as configured (ends in /v1). */
  url: string
  /** host[:port]/path, credentials stripped: used in logs, metrics and llm_calls.upstream. */
  label: string
  openai: OpenAI
  breaker: CircuitBreaker
  inFlight: number
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
  onCircuitChange?: (label: string, state: CircuitState) => void
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
    onStateChange: (s) => opts.onCircuitChange?.(label, s),
  })

  const root = new URL(opts.url)
  root.pathname = root.pathname.replace(/\/v1\/?$/, '/')

  const upstream: Upstream = {
    url: opts.url,
    label,
    openai,
    breaker,
    inFlight: 0,
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
