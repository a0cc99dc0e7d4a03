import Fastify from 'fastify'
import { Registry } from 'prom-client'
import { afterAll, describe, expect, test } from 'vitest'
import { ApiError, configureApp, NotFoundError } from '@pulsetrade/http'

/** Shaped like libs/llm's typed errors: the handler keys on the stable `code`. */
class FakeLlmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message)
    Object.assign(this, extra)
  }
}

const thrown: Record<string, () => Error> = {
  'not-found': () => new NotFoundError('forecast 7 not found'),
  deliberate: () => new ApiError(503, 'draining', { headers: { 'retry-after': '3' } }),
  bug: () => new Error('secret connection string postgres://u:p@db'),
  'bug-500': () => Object.assign(new Error('leaky'), { statusCode: 500 }),
  conflict: () => Object.assign(new Error('already running'), { statusCode: 409, code: 'X_CONFLICT' }),
  context: () => new FakeLlmError('LLM_ERR_CONTEXT_LENGTH', "This model's maximum context length is 4096 tokens.", { limit: 4096 }),
  queue: () => new FakeLlmError('LLM_ERR_QUEUE_FULL', 'queue of 10 is full'),
  circuit: () => new FakeLlmError('LLM_ERR_CIRCUIT_OPEN', 'circuit open', { retryAfterMs: 2500 }),
  timeout: () => new FakeLlmError('LLM_ERR_TIMEOUT', 'timeout after 2000 ms'),
  unreachable: () => new FakeLlmError('LLM_ERR_UNREACHABLE', 'connect ECONNREFUSED 127.0.0.1:9'),
  upstream: () => new FakeLlmError('LLM_ERR_UPSTREAM', '500 status code'),
}

const app = Fastify()
configureApp(app, { registry: new Registry() })
app.get('/throw/:kind', async (req) => {
  throw thrown[(req.params as { kind: string }).kind]!()
})
afterAll(async () => {
  await app.close()
})
const get = (kind: string) => app.inject({ method: 'GET', url: `/throw/${kind}` })

describe('errorHandler', () => {
  test('deliberate errors pass through with their code', async () => {
    const res = await get('not-found')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ error: 'Not Found', code: 'API_ERR_NOT_FOUND', message: 'forecast 7 not found' })
  })

  test('a deliberate 5xx keeps its message and headers', async () => {
    const res = await get('deliberate')
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('3')
    expect(res.json().message).toBe('draining')
  })

  test('other errors are masked as a 500 without their message', async () => {
    for (const kind of ['bug', 'bug-500']) {
      const res = await get(kind)
      expect(res.statusCode).toBe(500)
      expect(res.json()).toEqual({ error: 'Internal Server Error', code: 'API_ERR_INTERNAL', message: 'Internal Server Error' })
      expect(res.body).not.toMatch(/secret|leaky/)
    }
  })

  test('a foreign 4xx keeps its status, code and message', async () => {
    const res = await get('conflict')
    expect(res.statusCode).toBe(409)
    expect(res.json()).toEqual({ error: 'Conflict', code: 'X_CONFLICT', message: 'already running' })
  })

  test('context overflow is a 400 naming the limit', async () => {
    const res = await get('context')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'LLM_ERR_CONTEXT_LENGTH', limit: 4096 })
    expect(res.json().message).toContain('4096 tokens')
  })

  test('a full queue and an open circuit are 503s with Retry-After', async () => {
    const queue = await get('queue')
    expect(queue.statusCode).toBe(503)
    expect(queue.headers['retry-after']).toBe('1')
    const circuit = await get('circuit')
    expect(circuit.statusCode).toBe(503)
    expect(circuit.headers['retry-after']).toBe('3')
    expect(circuit.json().code).toBe('LLM_ERR_CIRCUIT_OPEN')
  })

  test('timeout is a 504, unreachable and upstream failures are 502s', async () => {
    expect((await get('timeout')).statusCode).toBe(504)
    const unreachable = await get('unreachable')
    expect(unreachable.statusCode).toBe(502)
    expect(unreachable.json().message).toContain('ECONNREFUSED')
    expect((await get('upstream')).statusCode).toBe(502)
  })
})
