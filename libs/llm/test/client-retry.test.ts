import { describe, expect, test } from 'vitest'
import { createLlmClient, LlmContextLengthError, LlmRateLimitError } from '@pulsetrade/llm'
import { completion, deadUrl, flatError, nestedError, sendJson, useTestResources } from './client-fixtures'

const req = { messages: [{ role: 'user' as const, content: 'hi' }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 16 } }

const t = useTestResources()

describe('retries', () => {
  test('retries a 503 then succeeds, with a fresh X-Request-Id per attempt', async () => {
    const s = await t.serve((_r, res, n) => {
      if (n < 3) {
        sendJson(res, 503, nestedError('Service Unavailable', 503))
        return
      }
      sendJson(res, 200, completion('fine'))
    })
    t.client = createLlmClient({ baseURL: s.url, maxRetries: 2, retryBaseMs: 5, retryMaxMs: 10, timeoutMs: 2_000 })
    const r = await t.client.chat(req)
    expect(r.text).toBe('fine')
    expect(s.requests).toHaveLength(3)
    const ids = s.requests.map((q) => q.headers['x-request-id'])
    expect(new Set(ids).size).toBe(3)
    expect(r.request_id).toBe(ids[2])
  })

  test('retries the dead engine empty-body 500 at most maxRetries times', async () => {
    const s = await t.serve((_r, res) => {
      res.writeHead(500)
      res.end()
    })
    t.client = createLlmClient({ baseURL: s.url, maxRetries: 2, retryBaseMs: 1, retryMaxMs: 2, timeoutMs: 2_000 })
    const err = await t.client.chat(req).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'LLM_ERR_UPSTREAM', status: 500 })
    expect(s.requests).toHaveLength(3)
  })

  test('SDK retries are off: exactly one request per attempt', async () => {
    const s = await t.serve((_r, res) => {
      sendJson(res, 502, nestedError('bad gateway', 502))
    })
    t.client = createLlmClient({ baseURL: s.url, maxRetries: 0, timeoutMs: 2_000 })
    await t.client.chat(req).catch(() => {})
    expect(s.requests).toHaveLength(1)
  })

  test('honours Retry-After on a 429 before retrying', async () => {
    const s = await t.serve((_r, res, n) => {
      if (n === 1) {
        sendJson(res, 429, nestedError('slow down', 429), { 'retry-after-ms': '300' })
        return
      }
      sendJson(res, 200, completion('ok'))
    })
    t.client = createLlmClient({ baseURL: s.url, maxRetries: 1, retryBaseMs: 1, retryMaxMs: 1, timeoutMs: 3_000 })
    await t.client.chat(req)
    const gap = (s.requests[1]?.at ?? 0) - (s.requests[0]?.at ?? 0)
    expect(gap).toBeGreaterThanOrEqual(290)
  })

  test('a Retry-After beyond the deadline fails at once with the 429 instead of waiting', async () => {
    const s = await t.serve((_r, res) => {
      sendJson(res, 429, nestedError('slow down', 429), { 'retry-after': '30' })
    })
    t.client = createLlmClient({ baseURL: s.url, maxRetries: 2, timeoutMs: 1_000 })
    const t0 = Date.now()
    const err = await t.client.chat(req).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmRateLimitError)
    expect(Date.now() - t0).toBeLessThan(500)
    expect(s.requests).toHaveLength(1)
  })

  test('never retries a 400', async () => {
    const s = await t.serve((_r, res) => {
      sendJson(res, 400, flatError('bad field'))
    })
    t.client = createLlmClient({ baseURL: s.url, maxRetries: 2, retryBaseMs: 1, timeoutMs: 2_000 })
    await expect(t.client.chat(req)).rejects.toMatchObject({ code: 'LLM_ERR_BAD_REQUEST' })
    expect(s.requests).toHaveLength(1)
  })

  test('a context-length 400 is LLM_ERR_CONTEXT_LENGTH and the upstream sees exactly one request', async () => {
    const s = await t.serve((_r, res) => {
      sendJson(
        res,
        400,
        nestedError(
          "This model's maximum context length is 4096 tokens. However, your request has 5000 input tokens. Please reduce the length of the input messages.",
        ),
      )
    })
    t.client = createLlmClient({ baseURL: s.url, maxRetries: 2, retryBaseMs: 1, timeoutMs: 2_000 })
    const err = await t.client.chat(req).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmContextLengthError)
    expect(err).toMatchObject({ limit: 4096, requested: 5000 })
    expect(s.requests).toHaveLength(1)
  })

  test('backoff is full jitter: random() 0 retries at once, and never waits past the deadline', async () => {
    const s = await t.serve((_r, res) => {
      sendJson(res, 503, nestedError('busy', 503))
    })
    t.client = createLlmClient({
      baseURL: s.url,
      maxRetries: 5,
      retryBaseMs: 10_000,
      retryMaxMs: 10_000,
      timeoutMs: 800,
      random: () => 0,
      breaker: { failureThreshold: 100 },
    })
    await t.client.chat(req).catch(() => {})
    expect(s.requests).toHaveLength(6)
    const slow = createLlmClient({ baseURL: s.url, maxRetries: 5, retryBaseMs: 10_000, retryMaxMs: 10_000, timeoutMs: 800, random: () => 0.5 })
    const t0 = Date.now()
    await slow.chat(req).catch(() => {})
    expect(Date.now() - t0).toBeLessThan(400) // a 5 s backoff cannot fit 800 ms: gives up at once
    await slow.close()
  })
})

describe('failover', () => {
  test('a refused connection fails over to the other replica without spending a retry', async () => {
    const down = await deadUrl()
    const up = await t.serve((_r, res) => {
      sendJson(res, 200, completion('from up'))
    })
    t.client = createLlmClient({ baseURL: `${down},${up.url}`, maxRetries: 0, timeoutMs: 2_000 })
    for (let i = 0; i < 6; i++) expect((await t.client.chat(req)).text).toBe('from up')
    expect(up.requests).toHaveLength(6)
  })
})
