import { describe, expect, test } from 'vitest'
import {
  createLlmClient,
  failReasonOf,
  toLlmError,
  LlmAuthError,
  LlmBadRequestError,
  LlmContextLengthError,
  LlmModelNotFoundError,
  LlmUnreachableError,
  LlmUpstreamError,
} from '@pulsetrade/llm'
import { deadUrl, flatError, nestedError, sendJson, startServer, useTestResources } from './client-fixtures'

const req = { messages: [{ role: 'user' as const, content: 'hi' }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 16 } }
const CTX_09 =
  "This model's maximum context length is 4096 tokens. However, you requested 4100 tokens (4000 in the messages, 100 in the completion). Please reduce the length of the messages or completion."
const CTX_010 =
  "'max_tokens' or 'max_completion_tokens' is too large: 8000. This model's maximum context length is 4096 tokens and your request has 2778 input tokens (8000 > 4096 - 2778). None"

const t = useTestResources()

async function failWith(status: number, body: unknown, raw = false): Promise<unknown> {
  t.server = await startServer((_r, res) => {
    if (raw) {
      res.writeHead(status)
      res.end()
      return
    }
    sendJson(res, status, body)
  })
  t.client = createLlmClient({ baseURL: t.server.url, maxRetries: 0, timeoutMs: 2_000 })
  return t.client.chat(req).then(
    () => null,
    (e: unknown) => e,
  )
}

describe('error envelopes', () => {
  test('flat envelope (vLLM <= 0.10.0) surfaces vLLM message, not "400 status code (no body)"', async () => {
    const err = await failWith(400, flatError('temperature must be non-negative, got -1.'))
    expect(err).toBeInstanceOf(LlmBadRequestError)
    expect(err).toMatchObject({ code: 'LLM_ERR_BAD_REQUEST', status: 400, message: 'temperature must be non-negative, got -1.' })
  })

  test('nested envelope (vLLM >= 0.10.1) surfaces vLLM message', async () => {
    const err = await failWith(400, nestedError('temperature must be non-negative, got -1.'))
    expect(err).toMatchObject({ code: 'LLM_ERR_BAD_REQUEST', message: 'temperature must be non-negative, got -1.' })
  })

  test('context overflow in the flat envelope becomes LLM_ERR_CONTEXT_LENGTH with limit and requested tokens', async () => {
    const err = await failWith(400, flatError(CTX_09))
    expect(err).toBeInstanceOf(LlmContextLengthError)
    expect(err).toMatchObject({ code: 'LLM_ERR_CONTEXT_LENGTH', limit: 4096, requested: 4100, message: CTX_09 })
  })

  test('context overflow in the 0.10 nested wording (with " None") gives limit and input + max_tokens', async () => {
    const err = await failWith(400, nestedError(CTX_010))
    expect(err).toMatchObject({ code: 'LLM_ERR_CONTEXT_LENGTH', limit: 4096, requested: 8000 + 2778 })
  })

  test('401 {"error":"Unauthorized"} becomes LLM_ERR_AUTH with the message', async () => {
    const err = await failWith(401, { error: 'Unauthorized' })
    expect(err).toBeInstanceOf(LlmAuthError)
    expect((err as Error).message).toBe('401 Unauthorized')
  })

  test('404 unknown model becomes LLM_ERR_MODEL_NOT_FOUND with vLLM text', async () => {
    const err = await failWith(404, nestedError('The model `Lexi` does not exist.', 404))
    expect(err).toBeInstanceOf(LlmModelNotFoundError)
    expect((err as Error).message).toBe('The model `Lexi` does not exist.')
  })

  test('empty-body 500 of a dead engine becomes LLM_ERR_UPSTREAM with status 500', async () => {
    const err = await failWith(500, undefined, true)
    expect(err).toBeInstanceOf(LlmUpstreamError)
    expect(err).toMatchObject({ code: 'LLM_ERR_UPSTREAM', status: 500 })
    expect((err as Error).message).toContain('empty body')
  })

  test('FastAPI {"detail":...} 415 keeps the detail', async () => {
    const err = await failWith(415, { detail: 'Unsupported Media Type: text/plain' })
    expect(err).toMatchObject({ code: 'LLM_ERR_BAD_REQUEST', status: 415, message: 'Unsupported Media Type: text/plain' })
  })

  test('connection refused becomes LLM_ERR_UNREACHABLE keeping "connect ECONNREFUSED host:port"', async () => {
    const url = await deadUrl()
    t.client = createLlmClient({ baseURL: url, maxRetries: 0, timeoutMs: 2_000 })
    const err = await t.client.chat(req).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmUnreachableError)
    expect((err as Error).message).toBe(`connect ECONNREFUSED ${new URL(url).host}`)
  })
})

describe('toLlmError', () => {
  test('maps statuses and bodies to stable codes', () => {
    expect(toLlmError({ status: 503, body: '' }).code).toBe('LLM_ERR_UPSTREAM')
    expect(toLlmError({ status: 429, body: '' }).code).toBe('LLM_ERR_RATE_LIMIT')
    expect(toLlmError({ status: 403, body: '{"error":"Forbidden"}' }).code).toBe('LLM_ERR_AUTH')
    expect(toLlmError({ status: 400, body: 'plain text' }).message).toBe('plain text')
  })

  test('reads Retry-After seconds and retry-after-ms', () => {
    const h = (o: Record<string, string>): { get: (n: string) => string | null } => ({ get: (n) => o[n] ?? null })
    expect(toLlmError({ status: 503, body: '', headers: h({ 'retry-after': '2' }) }).retryAfterMs).toBe(2000)
    expect(toLlmError({ status: 429, body: '', headers: h({ 'retry-after-ms': '150', 'retry-after': '9' }) }).retryAfterMs).toBe(150)
  })

  test('failReasonOf gives the policy fail_reason for every code', () => {
    expect(failReasonOf('LLM_ERR_TIMEOUT')).toBe('timeout')
    expect(failReasonOf('LLM_ERR_UNREACHABLE')).toBe('unreachable')
    expect(failReasonOf('LLM_ERR_INVALID_JSON')).toBe('invalid_json')
    expect(failReasonOf('LLM_ERR_CIRCUIT_OPEN')).toBe('circuit_open')
    expect(failReasonOf('LLM_ERR_QUEUE_FULL')).toBe('queue_full')
    expect(failReasonOf('LLM_ERR_CONTEXT_LENGTH')).toBe('context_length')
    expect(failReasonOf('LLM_ERR_PROMPT_TOO_LONG')).toBe('context_length')
    expect(failReasonOf('LLM_ERR_UPSTREAM')).toBe('upstream_error')
    expect(failReasonOf('LLM_ERR_AUTH')).toBe('upstream_error')
  })
})
