import Fastify from 'fastify'
import { Registry } from 'prom-client'
import { afterAll, describe, expect, test } from 'vitest'
import {
  LLM_ERROR_CODES,
  LLM_ERRORS,
  LlmAbortedError,
  LlmAuthError,
  LlmBadRequestError,
  LlmCircuitOpenError,
  LlmContextLengthError,
  LlmError,
  LlmInvalidJsonError,
  LlmModelNotFoundError,
  LlmPriorityUnsupportedError,
  LlmPromptTooLongError,
  LlmQueueFullError,
  LlmRateLimitError,
  LlmTimeoutError,
  LlmUnreachableError,
  LlmUpstreamError,
  failReasonOf,
  outcomeOf,
  type LlmErrorCode,
} from '@pulsetrade/llm'
import { configureApp, llmErrorStatus } from '@pulsetrade/http'

/** One instance of every LlmError class the client exports. */
const INSTANCES: LlmError[] = [
  new LlmError('generic'),
  new LlmTimeoutError(2_000, 'request'),
  new LlmUnreachableError('connect ECONNREFUSED 127.0.0.1:9', 'connect'),
  new LlmContextLengthError("This model's maximum context length is 4096 tokens.", 4096, 4100),
  new LlmPromptTooLongError(4000, 200, 4096),
  new LlmCircuitOpenError(['a:8008/v1'], [{ upstream: 'a:8008/v1', code: 'LLM_ERR_TIMEOUT', failures: 5, sameCode: 5, at: 1 }]),
  new LlmInvalidJsonError('still invalid'),
  new LlmQueueFullError(10),
  new LlmUpstreamError('503 overloaded', { status: 503 }),
  new LlmRateLimitError('too many requests', { status: 429 }),
  new LlmBadRequestError('temperature must be non-negative', { status: 400 }),
  new LlmPriorityUnsupportedError('Got priority 1 but Priority scheduling is not enabled.', { status: 400 }),
  new LlmAuthError('401 Unauthorized', { status: 401 }),
  new LlmModelNotFoundError('The model `x` does not exist.', { status: 404 }),
  new LlmAbortedError(),
]

const app = Fastify()
configureApp(app, { registry: new Registry() })
app.get('/throw/:i', async (req) => {
  throw INSTANCES[Number((req.params as { i: string }).i)]
})
afterAll(async () => {
  await app.close()
})

describe('one table for every LLM error code', () => {
  test('every LlmError class has a code of its own, and together they are exactly the codes of the table', () => {
    const codes = INSTANCES.map((e) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    expect([...codes].sort()).toEqual([...LLM_ERROR_CODES].sort())
  })

  test.each(LLM_ERROR_CODES)('%s: fail reason, outcome and HTTP mapping all read its row', (code: LlmErrorCode) => {
    const row = LLM_ERRORS[code]
    expect(failReasonOf(code)).toBe(row.failReason)
    expect(outcomeOf(code)).toBe(row.outcome)
    const m = llmErrorStatus({ code, message: 'detail' })
    expect(m.statusCode).toBe(row.status)
    expect(m.headers['retry-after']).toBe(row.retryAfterMs === null ? undefined : String(Math.ceil(row.retryAfterMs / 1000)))
    if (row.lead !== null) expect(m.message.startsWith(row.lead)).toBe(true)
  })

  test.each(INSTANCES.map((e, i) => [e.constructor.name, i] as const))("%s thrown in a route answers its row's status and Retry-After", async (_name, i) => {
    const e = INSTANCES[i] as LlmError
    const row = LLM_ERRORS[e.code]
    const res = await app.inject({ method: 'GET', url: `/throw/${i}` })
    expect(res.statusCode).toBe(row.status)
    expect(res.json()).toMatchObject({ code: e.code })
    expect(res.headers['retry-after'] !== undefined).toBe(row.retryAfterMs !== null)
    // Only a circuit open takes its fail reason from its cause (here: timeouts).
    expect(failReasonOf(e)).toBe(e.code === 'LLM_ERR_CIRCUIT_OPEN' ? 'timeout' : row.failReason)
    expect(failReasonOf(e.toData())).toBe(failReasonOf(e))
  })

  test("a rate limit is 503 with Retry-After: the upstream's own wait when it sent one, else the table's", () => {
    expect(llmErrorStatus(new LlmRateLimitError('slow down', { status: 429, retryAfterMs: 2_500 }))).toMatchObject({
      statusCode: 503,
      headers: { 'retry-after': '3' },
    })
    expect(llmErrorStatus(new LlmRateLimitError('slow down', { status: 429 }))).toMatchObject({ statusCode: 503, headers: { 'retry-after': '1' } })
    // A code without a Retry-After in the table sends none, whatever the error carries.
    expect(llmErrorStatus(new LlmUpstreamError('503', { status: 503, retryAfterMs: 2_000 })).headers).toEqual({})
  })

  test('a code this build does not know reads as LLM_ERR', () => {
    expect(failReasonOf('LLM_ERR_FROM_A_LATER_BUILD')).toBe(LLM_ERRORS.LLM_ERR.failReason)
    expect(outcomeOf('constructor')).toBe(LLM_ERRORS.LLM_ERR.outcome)
    expect(llmErrorStatus({ code: 'LLM_ERR_FROM_A_LATER_BUILD', message: 'x' }).statusCode).toBe(LLM_ERRORS.LLM_ERR.status)
  })
})
