import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'
import { z } from 'zod'
import { afterEach } from 'vitest'
import { createLlmClient, type LlmClientInstance, type RenderedPrompt } from '@pulsetrade/llm'

/** One request as the test server saw it. */
export interface SeenRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON of arbitrary shape, inspected by tests
  /** Resolves when the client closed the connection before the response finished. */
  closedEarly: Promise<void>
  at: number
}

export interface TestServer {
  /** Base URL ending in /v1. */
  url: string
  origin: string
  requests: SeenRequest[]
  close: () => Promise<void>
}

export type Handler = (req: SeenRequest, res: http.ServerResponse, n: number) => void | Promise<void>

/** A real HTTP server on 127.0.0.1:0 playing one vLLM behaviour; every request is recorded. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: SeenRequest[] = []
  const sockets = new Set<Socket>()
  const server = http.createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      raw += c
    })
    req.on('end', () => {
      let closeResolve: () => void = () => {}
      const closedEarly = new Promise<void>((resolve) => {
        closeResolve = resolve
      })
      res.on('close', () => {
        if (!res.writableFinished) closeResolve()
      })
      let body: unknown = null
      try {
        body = raw === '' ? null : JSON.parse(raw)
      } catch {
        body = raw
      }
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, closedEarly, at: Date.now() }
      requests.push(seen)
      void Promise.resolve(handler(seen, res, requests.length)).catch((err: unknown) => {
        res.destroy(err as Error)
      })
    })
  })
  server.keepAliveTimeout = 5_000
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A port with nothing listening (bound then released). */
export async function deadUrl(): Promise<string> {
  const s = http.createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return `http://127.0.0.1:${port}/v1`
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/** vLLM 0.10.x non-stream chat completion body. */
export function completion(content: string, opts: { finish?: string; id?: string; prompt_tokens?: number; completion_tokens?: number } = {}): unknown {
  const pt = opts.prompt_tokens ?? 31
  const ct = opts.completion_tokens ?? 12
  return {
    id: `chatcmpl-${opts.id ?? 'x'}`,
    object: 'chat.completion',
    created: 1758100000,
    model: 'Lexi',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, annotations: null, audio: null, function_call: null, tool_calls: [], reasoning_content: null },
        logprobs: null,
        finish_reason: opts.finish ?? 'stop',
        stop_reason: null,
      },
    ],
    usage: { prompt_tokens: pt, total_tokens: pt + ct, completion_tokens: ct, prompt_tokens_details: null },
  }
}

export const flatError = (message: string, code = 400): unknown => ({ object: 'error', message, type: 'BadRequestError', param: null, code })
export const nestedError = (message: string, code = 400): unknown => ({ error: { message, type: 'BadRequestError', param: null, code } })

/** Writes SSE frames the way vLLM does (`data: <json>\n\n`). */
export function sseStart(res: http.ServerResponse): (data: unknown) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  res.flushHeaders()
  return (data) => {
    res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
  }
}

export const chunk = (content: string | null, finish: string | null = null): unknown => ({
  id: 'chatcmpl-s',
  object: 'chat.completion.chunk',
  created: 1758100000,
  model: 'Lexi',
  choices: [{ index: 0, delta: content == null ? { role: 'assistant', content: '' } : { content }, logprobs: null, finish_reason: finish }],
})

export const AnswerSchema = z.object({ decision: z.enum(['allow', 'deny']), score: z.number().min(0).max(1) })
export const validAnswer = JSON.stringify({ decision: 'allow', score: 0.7 })

/** A RenderedPrompt built by hand (the registry is not needed for client tests). */
export function renderedPrompt(over: Partial<RenderedPrompt> = {}): RenderedPrompt {
  return {
    prompt: 'policy',
    version: '1.0.0',
    hash: 'sha256:test',
    arm: null,
    bucket: null,
    messages: [
      { role: 'system', content: 'You gate orders.' },
      { role: 'user', content: 'Order: buy 10 ACME.' },
    ],
    sampling: { temperature: 0, top_p: 1, max_tokens: 200 },
    jsonSchema: null,
    ...over,
  }
}

export const healthPrompt = (): RenderedPrompt =>
  renderedPrompt({
    prompt: 'health',
    messages: [{ role: 'user', content: 'Reply with exactly OK' }],
    sampling: { temperature: 0, top_p: 1, max_tokens: 4 },
  })

/** A real pino logger writing JSON lines into memory. */
export function captureLogger(): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = []
  const sink = new Writable({
    write(c, _enc, cb) {
      chunks.push(String(c))
      cb()
    },
  })
  return {
    logger: pino({ level: 'trace' }, sink),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs the client's success, error and abort paths once, so timing assertions measure the steady
 * state rather than first-use module loading and JIT on a busy machine.
 */
export async function warmUp(): Promise<void> {
  const s = await startServer((r, res, n) => {
    if (n === 1) {
      sendJson(res, 200, completion('warm'))
      return
    }
    if (n === 2) {
      sendJson(res, 503, nestedError('warm', 503))
      return
    }
    // Third request is left hanging: the deadline path.
    void r
  })
  const c = createLlmClient({ baseURL: s.url, maxRetries: 0, timeoutMs: 5_000 })
  const r = { messages: [{ role: 'user' as const, content: 'warm' }], sampling: { temperature: 0.5, top_p: 1, max_tokens: 4 } }
  await c.chat(r)
  await c.chat(r).catch(() => {})
  await c.chat(r, { timeoutMs: 100 }).catch(() => {})
  await c.close()
  await s.close()
}

/**
 * A stopwatch for one call with a deadline. `bound(slack)` is deadline + slack, plus however late
 * the event loop itself ran a timer set for that deadline (on a saturated machine timers fire late
 * for everyone; the client must add no more than `slack` beyond that). Start it right before the call.
 */
export function deadlineWatch(deadlineMs: number): { elapsed: () => number; bound: (slackMs: number) => number } {
  const t0 = performance.now()
  let lag = 0
  const timer = setTimeout(() => {
    lag = Math.max(0, performance.now() - t0 - deadlineMs)
  }, deadlineMs)
  return {
    elapsed: () => performance.now() - t0,
    bound: (slackMs) => {
      clearTimeout(timer)
      return deadlineMs + slackMs + lag
    },
  }
}

/** The current test's upstream server(s) and client; closed after each test. */
export interface TestResources {
  server?: TestServer | undefined
  client?: LlmClientInstance | undefined
  /** Starts a server that is closed after the test (for tests with several upstreams). */
  serve: (handler: Handler) => Promise<TestServer>
}

export function useTestResources(): TestResources {
  let extra: TestServer[] = []
  const t: TestResources = {
    serve: async (handler) => {
      const s = await startServer(handler)
      extra.push(s)
      return s
    },
  }
  afterEach(async () => {
    await t.client?.close()
    await Promise.all([t.server, ...extra].map((s) => s?.close()))
    t.client = undefined
    t.server = undefined
    extra = []
  })
  return t
}
