import { describe, expect, test } from 'vitest'
import { createLlmClient, LlmCircuitOpenError } from '@pulsetrade/llm'
import { createCircuitBreaker } from '../src/client/circuit-breaker'
import { completion, deadUrl, delay, nestedError, sendJson, useTestResources } from './client-fixtures'

const req = { messages: [{ role: 'user' as const, content: 'hi' }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 16 } }

const io = useTestResources()

describe('circuit breaker state machine', () => {
  test('opens after N consecutive failures, half-opens after the cool-down with exactly one probe', () => {
    let t = 0
    const b = createCircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, now: () => t })
    for (let i = 0; i < 3; i++) b.onFailure(b.tryAcquire() ?? { probe: false }, 'LLM_ERR_UPSTREAM')
    expect(b.state()).toBe('open')
    expect(b.tryAcquire()).toBeNull()
    t += 999
    expect(b.tryAcquire()).toBeNull()
    t += 1
    expect(b.state()).toBe('half_open')
    const probe = b.tryAcquire()
    expect(probe).toEqual({ probe: true })
    expect(b.tryAcquire()).toBeNull() // one probe at a time
    b.onFailure(probe as { probe: boolean }, 'LLM_ERR_UPSTREAM')
    expect(b.state()).toBe('open') // a failed probe re-opens for another cool-down
    t += 1_000
    const probe2 = b.tryAcquire()
    b.onSuccess(probe2 as { probe: boolean })
    expect(b.state()).toBe('closed')
  })

  test('a success in between resets the consecutive count; an aborted probe frees the slot', () => {
    let t = 0
    const b = createCircuitBreaker({ failureThreshold: 2, cooldownMs: 10, now: () => t })
    b.onFailure({ probe: false }, 'LLM_ERR_TIMEOUT')
    b.onSuccess({ probe: false })
    b.onFailure({ probe: false }, 'LLM_ERR_TIMEOUT')
    expect(b.state()).toBe('closed')
    b.onFailure({ probe: false }, 'LLM_ERR_TIMEOUT')
    expect(b.state()).toBe('open')
    t += 10
    const p = b.tryAcquire() as { probe: boolean }
    b.onNeutral(p)
    expect(b.tryAcquire()).toEqual({ probe: true })
  })
})

describe('circuit breaker in the client', () => {
  test('opens after the configured failures, fails fast while open, recovers when the upstream returns', async () => {
    let healthy = false
    const s = await io.serve((_r, res) => {
      if (healthy) sendJson(res, 200, completion('back'))
      else sendJson(res, 500, nestedError('Internal server error', 500))
    })
    let t = 1_000_000
    io.client = createLlmClient({ baseURL: s.url, maxRetries: 0, timeoutMs: 2_000, breaker: { failureThreshold: 3, cooldownMs: 5_000 }, now: () => t })
    for (let i = 0; i < 3; i++) await expect(io.client.chat(req)).rejects.toMatchObject({ code: 'LLM_ERR_UPSTREAM' })
    expect(io.client.stats().upstreams[0]?.circuit).toBe('open')
    expect(await io.client.metrics.getSingleMetricAsString('llm_client_circuit_state')).toContain(
      `llm_client_circuit_state{upstream="${new URL(s.url).host}/v1"} 2`,
    )

    const t0 = Date.now()
    const err = await io.client.chat(req).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmCircuitOpenError)
    expect(Date.now() - t0).toBeLessThan(50)
    expect(s.requests).toHaveLength(3) // failed fast: nothing sent

    healthy = true
    t += 5_000 // cool-down over: half-open, one probe goes through and closes the circuit
    expect((await io.client.chat(req)).text).toBe('back')
    expect(io.client.stats().upstreams[0]?.circuit).toBe('closed')
    expect((await io.client.chat(req)).text).toBe('back')
  })

  test('half-open lets exactly one probe through; concurrent callers fail fast', async () => {
    let healthy = false
    const s = await io.serve(async (_r, res) => {
      if (!healthy) {
        sendJson(res, 503, nestedError('down', 503))
        return
      }
      await delay(100)
      sendJson(res, 200, completion('probe ok'))
    })
    let t = 0
    io.client = createLlmClient({ baseURL: s.url, maxRetries: 0, timeoutMs: 2_000, breaker: { failureThreshold: 1, cooldownMs: 1_000 }, now: () => t })
    await io.client.chat(req).catch(() => {})
    healthy = true
    t += 1_000
    const [a, b] = await Promise.allSettled([io.client.chat(req), io.client.chat(req)])
    expect(a.status).toBe('fulfilled')
    expect(b.status === 'rejected' && b.reason instanceof LlmCircuitOpenError).toBe(true)
    expect(s.requests).toHaveLength(2)
  })

  test('4xx answers do not open the circuit', async () => {
    const s = await io.serve((_r, res) => {
      sendJson(res, 400, nestedError('bad'))
    })
    io.client = createLlmClient({ baseURL: s.url, maxRetries: 0, timeoutMs: 2_000, breaker: { failureThreshold: 2 } })
    for (let i = 0; i < 5; i++) await expect(io.client.chat(req)).rejects.toMatchObject({ code: 'LLM_ERR_BAD_REQUEST' })
    expect(io.client.stats().upstreams[0]?.circuit).toBe('closed')
  })
})

describe('several upstreams', () => {
  test('with two upstreams and one down, every call succeeds', async () => {
    const down = await deadUrl()
    const up = await io.serve((_r, res) => {
      sendJson(res, 200, completion('ok'))
    })
    io.client = createLlmClient({ baseURL: [down, up.url], maxRetries: 0, timeoutMs: 2_000, breaker: { failureThreshold: 2 } })
    const results = await Promise.all(Array.from({ length: 30 }, () => io.client?.chat(req)))
    expect(results.every((r) => r?.text === 'ok')).toBe(true)
    expect(io.client.stats().upstreams[0]?.circuit).toBe('open') // the dead one is skipped from now on
  })

  test('an upstream failing with 5xx is retried on the other one, then skipped once its circuit opens', async () => {
    const bad = await io.serve((_r, res) => {
      sendJson(res, 500, nestedError('boom', 500))
    })
    const good = await io.serve((_r, res) => {
      sendJson(res, 200, completion('good'))
    })
    io.client = createLlmClient({
      baseURL: `${bad.url}, ${good.url}`,
      maxRetries: 1,
      retryBaseMs: 1,
      retryMaxMs: 2,
      timeoutMs: 2_000,
      breaker: { failureThreshold: 2 },
    })
    for (let i = 0; i < 10; i++) expect((await io.client.chat(req)).text).toBe('good')
    expect(bad.requests.length).toBeLessThanOrEqual(2)
  })

  test('requests are balanced least-in-flight across healthy replicas', async () => {
    const handler = async (_r: unknown, res: Parameters<typeof sendJson>[0]): Promise<void> => {
      await delay(50)
      sendJson(res, 200, completion('x'))
    }
    const a = await io.serve(handler)
    const b = await io.serve(handler)
    io.client = createLlmClient({ baseURL: [a.url, b.url], timeoutMs: 5_000 })
    await Promise.all(Array.from({ length: 20 }, () => io.client?.chat(req)))
    expect(a.requests).toHaveLength(10)
    expect(b.requests).toHaveLength(10)
  })
})
