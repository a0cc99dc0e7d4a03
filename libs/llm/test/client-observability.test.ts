import { describe, expect, test } from 'vitest'
import { createLlmClient } from '@pulsetrade/llm'
import { AnswerSchema, captureLogger, completion, nestedError, renderedPrompt, sendJson, startServer, validAnswer, useTestResources } from './client-fixtures'

const API_KEY = 'sk-lexi-8f3a9c2e71d04b6a'

const t = useTestResources()

describe('logs', () => {
  test('a failing call with an API key set logs neither the key nor "Bearer", even when the upstream echoes it', async () => {
    t.server = await startServer((r, res) => {
      // Worst case: an upstream that puts the Authorization header it got into its error text.
      sendJson(res, 500, nestedError(`auth header was ${String(r.headers.authorization)}`, 500))
    })
    const cap = captureLogger()
    t.client = createLlmClient({ baseURL: t.server.url, apiKey: API_KEY, logger: cap.logger, maxRetries: 1, retryBaseMs: 1, timeoutMs: 2_000 })
    const r = await t.client.structured(renderedPrompt(), AnswerSchema)
    const err = await t.client
      .chat({ messages: [{ role: 'user', content: 'x' }], sampling: { temperature: 1, top_p: 1, max_tokens: 5 } })
      .catch((e: unknown) => e)

    expect(t.server.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`) // the key was really sent
    const text = cap.lines().join('\n')
    expect(cap.lines().length).toBeGreaterThan(3)
    expect(text).toContain('llm call failed')
    expect(text).not.toContain(API_KEY)
    expect(text).not.toMatch(/bearer/i)
    expect(r.error?.message).not.toContain(API_KEY)
    expect(err).toMatchObject({ code: 'LLM_ERR_UPSTREAM' })
  })

  test('each call logs prompt, version, arm, latency, tokens, request id, attempt and outcome', async () => {
    t.server = await startServer((_r, res) => {
      sendJson(res, 200, completion(validAnswer, { prompt_tokens: 33, completion_tokens: 7 }))
    })
    const cap = captureLogger()
    t.client = createLlmClient({ baseURL: t.server.url, logger: cap.logger, timeoutMs: 2_000 })
    await t.client.structured(renderedPrompt({ arm: 'A' }), AnswerSchema)
    const done = cap
      .lines()
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'llm call done')
    expect(done).toMatchObject({
      component: 'llm',
      prompt: 'policy',
      version: '1.0.0',
      arm: 'A',
      outcome: 'ok',
      prompt_tokens: 33,
      completion_tokens: 7,
      attempt: 1,
      request_id: t.server.requests[0]?.headers['x-request-id'],
    })
    expect(typeof done.latency_ms).toBe('number')
  })
})

describe('metrics', () => {
  test('latency histogram, outcome and retry counters, in-flight, queue and circuit gauges are exported', async () => {
    t.server = await startServer((_r, res, n) => {
      if (n === 1) sendJson(res, 503, nestedError('busy', 503))
      else if (n === 2) sendJson(res, 200, completion('{"decision":'))
      else sendJson(res, 200, completion(validAnswer))
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000, retryBaseMs: 1, retryMaxMs: 2 })
    await t.client.structured(renderedPrompt(), AnswerSchema)
    const text = await t.client.metrics.metrics()
    expect(text).toMatch(/llm_client_call_duration_seconds_count\{prompt="policy",version="1.0.0",outcome="repaired"\} 1/)
    expect(text).toMatch(/llm_client_calls_total\{prompt="policy",version="1.0.0",outcome="repaired"\} 1/)
    expect(text).toMatch(/llm_client_retries_total\{upstream="[^"]+",code="LLM_ERR_UPSTREAM"\} 1/)
    expect(text).toMatch(/llm_client_in_flight 0/)
    expect(text).toMatch(/llm_client_queue_waiting 0/)
    expect(text).toMatch(/llm_client_circuit_state\{upstream="[^"]+"\} 0/)
    expect(text).toMatch(/llm_client_upstream_requests_total\{upstream="[^"]+",outcome="upstream"\} 1/)
  })
})
