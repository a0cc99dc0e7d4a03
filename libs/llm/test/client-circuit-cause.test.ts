import { describe, expect, test } from 'vitest'
import { createLlmClient, failReasonOf, LlmCircuitOpenError } from '@pulsetrade/llm'
import { createCircuitBreaker } from '../src/client/circuit-breaker'
import { AnswerSchema, completion, deadUrl, nestedError, renderedPrompt, sendJson, useTestResources } from './client-fixtures'

const req = { messages: [{ role: 'user' as const, content: 'hi' }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 16 } }
const labelOf = (url: string): string => `${new URL(url).host}/v1`
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => null,
    (e: unknown) => e,
  )

const io = useTestResources()

describe('the breaker remembers what opened it', () => {
  test('the last failure of the run, its length, and nothing once closed', () => {
    let t = 100
    const b = createCircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, now: () => t })
    expect(b.openedBy()).toBeNull()
    for (let i = 0; i < 3; i++) b.onFailure({ probe: false }, 'LLM_ERR_TIMEOUT')
    expect(b.openedBy()).toEqual({ code: 'LLM_ERR_TIMEOUT', failures: 3, sameCode: 3, at: 100 })
    b.onFailure({ probe: false }, 'LLM_ERR_UPSTREAM') // in flight when it opened: changes nothing
    expect(b.openedBy()).toMatchObject({ code: 'LLM_ERR_TIMEOUT', failures: 3 })

    t += 1_000
    const probe = b.tryAcquire() as { probe: boolean }
    expect(b.openedBy()?.code).toBe('LLM_ERR_TIMEOUT') // half-open: the cause still stands for the callers failing fast
    b.onFailure(probe, 'LLM_ERR_UNREACHABLE')
    expect(b.openedBy()).toEqual({ code: 'LLM_ERR_UNREACHABLE', failures: 4, sameCode: 1, at: 1_100 })

    t += 1_000
    b.onSuccess(b.tryAcquire() as { probe: boolean })
    expect(b.openedBy()).toBeNull()
  })

  test('a mixed run names its last failure; a success in between starts a new run', () => {
    const b = createCircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, now: () => 0 })
    b.onFailure({ probe: false }, 'LLM_ERR_UPSTREAM')
    b.onSuccess({ probe: false })
    b.onFailure({ probe: false }, 'LLM_ERR_UPSTREAM')
    b.onFailure({ probe: false }, 'LLM_ERR_TIMEOUT')
    b.onFailure({ probe: false }, 'LLM_ERR_TIMEOUT')
    expect(b.openedBy()).toEqual({ code: 'LLM_ERR_TIMEOUT', failures: 3, sameCode: 2, at: 0 })
  })
})

describe('LlmCircuitOpenError carries the cause', () => {
  test('opened by timeouts: the error says timeout, the code and the outcome stay circuit open', async () => {
    const s = await io.serve(() => {}) // accepts the request, never answers (a wedged engine)
    io.client = createLlmClient({ baseURL: s.url, maxRetries: 0, timeoutMs: 150, breaker: { failureThreshold: 2, cooldownMs: 60_000 } })
    for (let i = 0; i < 2; i++) await expect(io.client.chat(req)).rejects.toMatchObject({ code: 'LLM_ERR_TIMEOUT' })

    const err = await failure(io.client.chat(req))
    expect(err).toBeInstanceOf(LlmCircuitOpenError)
    expect(err).toMatchObject({
      code: 'LLM_ERR_CIRCUIT_OPEN',
      causeCode: 'LLM_ERR_TIMEOUT',
      openedBy: { upstream: labelOf(s.url), code: 'LLM_ERR_TIMEOUT', failures: 2 },
      message: `circuit open for ${labelOf(s.url)} after 2 consecutive timeouts`,
    })
    expect(failReasonOf(err as LlmCircuitOpenError)).toBe('timeout')

    // A structured result stores the cause as a field next to the code.
    const r = await io.client.structured(renderedPrompt(), AnswerSchema)
    expect(r.error).toEqual({
      code: 'LLM_ERR_CIRCUIT_OPEN',
      cause: 'LLM_ERR_TIMEOUT',
      message: `circuit open for ${labelOf(s.url)} after 2 consecutive timeouts`,
    })
    expect(failReasonOf(r.error ?? 'LLM_ERR')).toBe('timeout')
    expect(failReasonOf({ code: 'LLM_ERR_CIRCUIT_OPEN', cause: 'LLM_ERR_TIMEOUT', message: 'reworded: the breaker tripped' })).toBe('timeout')
    expect(failReasonOf('LLM_ERR_CIRCUIT_OPEN')).toBe('circuit_open') // the code alone says no more than before
    expect(await io.client.metrics.getSingleMetricAsString('llm_client_calls_total')).toContain(
      'llm_client_calls_total{prompt="policy",version="1.0.0",outcome="circuit_open"} 1',
    )
    expect(s.requests).toHaveLength(2) // both fast failures sent nothing
  })

  test('opened by 503s: the error says upstream', async () => {
    const s = await io.serve((_r, res) => {
      sendJson(res, 503, nestedError('overloaded', 503))
    })
    io.client = createLlmClient({ baseURL: s.url, maxRetries: 0, timeoutMs: 2_000, breaker: { failureThreshold: 3, cooldownMs: 60_000 } })
    for (let i = 0; i < 3; i++) await expect(io.client.chat(req)).rejects.toMatchObject({ code: 'LLM_ERR_UPSTREAM' })
    const err = (await failure(io.client.chat(req))) as LlmCircuitOpenError
    expect(err).toMatchObject({
      code: 'LLM_ERR_CIRCUIT_OPEN',
      causeCode: 'LLM_ERR_UPSTREAM',
      message: `circuit open for ${labelOf(s.url)} after 3 consecutive upstream errors`,
    })
    expect(failReasonOf(err)).toBe('upstream_error')
    expect(failReasonOf(err.toData())).toBe('upstream_error')
  })

  test('opened by refused connections: the error says unreachable', async () => {
    const down = await deadUrl()
    io.client = createLlmClient({ baseURL: down, maxRetries: 0, timeoutMs: 2_000, breaker: { failureThreshold: 2, cooldownMs: 60_000 } })
    for (let i = 0; i < 2; i++) await expect(io.client.chat(req)).rejects.toMatchObject({ code: 'LLM_ERR_UNREACHABLE' })
    const err = (await failure(io.client.chat(req))) as LlmCircuitOpenError
    expect(err).toMatchObject({ causeCode: 'LLM_ERR_UNREACHABLE', message: `circuit open for ${labelOf(down)} after 2 consecutive connection failures` })
    expect(failReasonOf(err.toData())).toBe('unreachable')
  })

  test.each([[0], [1]])('with several upstreams, the error names every open circuit and the most recent opening (upstream %i) is the cause', async (last) => {
    // Each upstream hangs, answers or fails with 503 on demand.
    const modes: Array<'hang' | 'ok' | '503'> = ['ok', 'ok']
    const servers = await Promise.all(
      [0, 1].map((i) =>
        io.serve((_r, res) => {
          if (modes[i] === 'ok') sendJson(res, 200, completion('ok'))
          else if (modes[i] === '503') sendJson(res, 503, nestedError('overloaded', 503))
        }),
      ),
    )
    const labels = servers.map((s) => labelOf(s.url))
    const first = 1 - last
    let t = 1_000
    io.client = createLlmClient({
      baseURL: servers.map((s) => s.url),
      maxRetries: 0,
      timeoutMs: 150,
      breaker: { failureThreshold: 1, cooldownMs: 60_000 },
      now: () => t,
    })
    const circuit = (i: number): string | undefined => io.client?.stats().upstreams[i]?.circuit

    modes[first] = 'hang' // opens by a timeout at t = 1000 (calls meanwhile answered by the other)
    for (let i = 0; i < 10 && circuit(first) !== 'open'; i++) await failure(io.client.chat(req))
    expect(circuit(first)).toBe('open')
    t = 2_000
    modes[last] = '503' // opens by a 503 at t = 2000
    await expect(io.client.chat(req)).rejects.toMatchObject({ code: 'LLM_ERR_UPSTREAM' })

    const err = (await failure(io.client.chat(req))) as LlmCircuitOpenError
    expect(err).toMatchObject({ code: 'LLM_ERR_CIRCUIT_OPEN', causeCode: 'LLM_ERR_UPSTREAM', openedBy: { upstream: labels[last], at: 2_000 } })
    expect(err.upstreams).toEqual(labels)
    expect(err.message).toBe(`circuit open for ${labels[last]} after 1 consecutive upstream error; ${labels[first]} after 1 consecutive timeout`)
    expect(failReasonOf(err.toData())).toBe('upstream_error')
  })
})

describe('the cause is a field, the message only describes it', () => {
  test('every opening gives its cause as a field; the message is never read', () => {
    const at = 1
    for (const code of ['LLM_ERR_TIMEOUT', 'LLM_ERR_UNREACHABLE', 'LLM_ERR_UPSTREAM', 'LLM_ERR_RATE_LIMIT'] as const) {
      for (const [failures, sameCode] of [
        [1, 1],
        [5, 5],
        [5, 2],
        [7, 1],
      ] as const) {
        const e = new LlmCircuitOpenError(
          ['a:8008/v1', 'b:8008/v1'],
          [
            { upstream: 'b:8008/v1', code, failures, sameCode, at },
            { upstream: 'a:8008/v1', code: 'LLM_ERR_TIMEOUT', failures: 5, sameCode: 5, at: 0 },
          ],
        )
        expect(e.causeCode).toBe(code)
        expect(e.toData()).toEqual({ code: 'LLM_ERR_CIRCUIT_OPEN', cause: code, message: e.message })
      }
    }
    expect(
      new LlmCircuitOpenError(['a:8008/v1', 'b:8008/v1'], [{ upstream: 'b:8008/v1', code: 'LLM_ERR_UPSTREAM', failures: 5, sameCode: 2, at }]).message,
    ).toBe('circuit open for b:8008/v1 after 5 consecutive failures, the last 2 upstream errors; a:8008/v1')
    const unknown = new LlmCircuitOpenError(['a:8008/v1'])
    expect(unknown).toMatchObject({ message: 'circuit open for a:8008/v1', causeCode: null, openedBy: null })
    expect(failReasonOf(unknown)).toBe('circuit_open')
    expect(failReasonOf({ code: 'LLM_ERR_CIRCUIT_OPEN', message: 'down' })).toBe('circuit_open')
    // A message that reads like a cause says nothing: only the fields count.
    expect(failReasonOf({ code: 'LLM_ERR_CIRCUIT_OPEN', message: 'circuit open for a:8008/v1 after 2 consecutive timeouts' })).toBe('circuit_open')
    expect(failReasonOf({ code: 'LLM_ERR_CIRCUIT_OPEN', cause: null, message: 'circuit open for a:8008/v1 after 2 consecutive timeouts' })).toBe('circuit_open')
    // Only a circuit-open error takes its reason from the cause.
    expect(failReasonOf({ code: 'LLM_ERR_INVALID_JSON', cause: 'LLM_ERR_TIMEOUT', message: 'x' })).toBe('invalid_json')
  })

  test('a half-open circuit whose probe is in flight fails other callers fast with the same cause', async () => {
    let healthy = false
    const s = await io.serve(async (_r, res) => {
      if (!healthy) {
        sendJson(res, 503, nestedError('down', 503))
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
      sendJson(res, 200, completion('probe ok'))
    })
    let t = 0
    io.client = createLlmClient({ baseURL: s.url, maxRetries: 0, timeoutMs: 2_000, breaker: { failureThreshold: 1, cooldownMs: 1_000 }, now: () => t })
    await failure(io.client.chat(req))
    healthy = true
    t += 1_000
    const [a, b] = await Promise.allSettled([io.client.chat(req), io.client.chat(req)])
    expect(a.status).toBe('fulfilled')
    expect(b.status === 'rejected' && b.reason).toMatchObject({ code: 'LLM_ERR_CIRCUIT_OPEN', causeCode: 'LLM_ERR_UPSTREAM' })
  })
})
