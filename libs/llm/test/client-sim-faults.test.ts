import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, llmResultSchema, LlmTimeoutError, LlmUpstreamError, type StreamChunk } from '@pulsetrade/llm'
import { AnswerSchema, deadlineWatch, delay, healthPrompt, renderedPrompt, warmUp } from './client-fixtures'

/** Every fault must end, typed, by the deadline plus this much. */
const SLACK_MS = 50
const DEADLINE_MS = 1_000
const resultSchema = llmResultSchema(AnswerSchema)
const prompt = (i = 0) =>
  renderedPrompt({
    messages: [
      { role: 'system', content: 'You gate orders. Answer in JSON.' },
      { role: 'user', content: `Order ${i}: buy 5 ACME` },
    ],
    sampling: { temperature: 0.3, top_p: 1, max_tokens: 120 },
  })

let sim: LexiSim
beforeAll(async () => {
  await warmUp()
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 60, seed: 7 })
})
afterEach(async () => {
  await sim.resetFaults()
})
afterAll(async () => {
  await sim.close()
})

const client = () =>
  createLlmClient({ baseURL: `${sim.url}/v1`, timeoutMs: DEADLINE_MS, retryBaseMs: 20, retryMaxMs: 100, breaker: { failureThreshold: 1_000 } })

/** Runs structured calls one after another, checking each one's deadline bound and the contract shape. */
async function timedStructured(n = 1) {
  const c = client()
  const out = []
  for (let i = 0; i < n; i++) {
    const watch = deadlineWatch(DEADLINE_MS)
    const r = await c.structured(prompt(i), AnswerSchema)
    expect(watch.elapsed()).toBeLessThanOrEqual(watch.bound(SLACK_MS))
    out.push(resultSchema.parse(r))
  }
  await c.close()
  return out
}
const one = async () => (await timedStructured(1))[0] as ReturnType<typeof resultSchema.parse>

describe('lexi-sim faults end typed, within the deadline', () => {
  test('down → LLM_ERR_UNREACHABLE (connect ECONNREFUSED)', async () => {
    await sim.setFaults({ down: true })
    const r = await one()
    expect(r.error?.code).toBe('LLM_ERR_UNREACHABLE')
    expect(r.error?.message).toMatch(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/)
  })

  test('overloaded (503) → retried, then LLM_ERR_UPSTREAM with status and vLLM message', async () => {
    await sim.setFaults({ overloaded: true })
    const before = sim.stats().byRoute['/v1/chat/completions'] ?? 0
    const r = await one()
    expect(r.error).toEqual({ code: 'LLM_ERR_UPSTREAM', cause: null, message: '503 The server is overloaded; try again later.' })
    expect((sim.stats().byRoute['/v1/chat/completions'] ?? 0) - before).toBe(3) // first try + maxRetries 2
  })

  test('engine_dead (empty-body 500) → LLM_ERR_UPSTREAM status 500', async () => {
    await sim.setFaults({ engine_dead: true })
    const r = await one()
    expect(r.error?.code).toBe('LLM_ERR_UPSTREAM')
    expect(r.error?.message).toMatch(/^500 upstream returned 500 with an empty body/)
  })

  test('reset (connection dropped mid-answer) → LLM_ERR_UNREACHABLE', async () => {
    await sim.setFaults({ reset: 1 })
    const r = await one()
    expect(r.error?.code).toBe('LLM_ERR_UNREACHABLE')
    expect(r.error?.message).toMatch(/^connection reset/)
  })

  test('wedged (no token ever) → LLM_ERR_TIMEOUT at the deadline, and the abort frees the sim slot', async () => {
    await sim.setFaults({ wedged: true })
    const r = await one()
    expect(r.error).toEqual({ code: 'LLM_ERR_TIMEOUT', cause: null, message: `timeout after ${DEADLINE_MS} ms` })
    for (let i = 0; i < 20 && sim.stats().running > 0; i++) await delay(10)
    expect(sim.stats().running).toBe(0)
    expect(sim.stats().aborted).toBeGreaterThanOrEqual(1)
  })

  for (const fault of ['invalid_json', 'truncated_json', 'whitespace_runaway'] as const) {
    test(`${fault} every time → one repair round, then LLM_ERR_INVALID_JSON with raw kept`, async () => {
      await sim.setFaults({ [fault]: 1 })
      const before = sim.stats().byRoute['/v1/chat/completions'] ?? 0
      const r = await one()
      expect(r).toMatchObject({ ok: false, valid_json: false, parsed: null, error: { code: 'LLM_ERR_INVALID_JSON' } })
      expect(r.raw.length).toBeGreaterThan(0)
      expect((sim.stats().byRoute['/v1/chat/completions'] ?? 0) - before).toBe(2)
    })

    test(`${fault} half the time → answers come back valid, some of them repaired`, async () => {
      await sim.setFaults({ [fault]: 0.5 })
      const results = await timedStructured(10)
      for (const r of results) expect(r.ok || r.error?.code === 'LLM_ERR_INVALID_JSON').toBe(true)
      expect(results.filter((r) => r.repaired && r.ok).length).toBeGreaterThan(0)
    })
  }

  test('stream_error → the stream throws a typed upstream error carrying the sim message', async () => {
    await sim.setFaults({ stream_error: 1 })
    const c = client()
    const watch = deadlineWatch(DEADLINE_MS)
    const got: StreamChunk[] = []
    const err = await (async () => {
      for await (const ch of c.chatStream({
        messages: [{ role: 'user', content: 'Explain the move.' }],
        sampling: { temperature: 0.5, top_p: 1, max_tokens: 40 },
      }))
        got.push(ch)
    })().catch((e: unknown) => e)
    const took = watch.elapsed()
    await c.close()
    expect(err).toBeInstanceOf(LlmUpstreamError)
    expect((err as Error).message).toContain('stream_error fault')
    expect(got.length).toBeGreaterThan(0) // it failed mid-stream, after tokens reached the caller
    expect(took).toBeLessThanOrEqual(watch.bound(SLACK_MS))
  })

  test('wedged stream → LLM_ERR_TIMEOUT within the deadline', async () => {
    await sim.setFaults({ wedged: true })
    const c = client()
    const watch = deadlineWatch(400)
    const err = await (async () => {
      for await (const _ch of c.chatStream(
        { messages: [{ role: 'user', content: 'x' }], sampling: { temperature: 0.5, top_p: 1, max_tokens: 40 } },
        { timeoutMs: 400 },
      )) {
        /* none */
      }
    })().catch((e: unknown) => e)
    const took = watch.elapsed()
    await c.close()
    expect(err).toBeInstanceOf(LlmTimeoutError)
    expect(took).toBeLessThanOrEqual(watch.bound(SLACK_MS))
  })

  test('health_reply "Ok." → health not ok, saying what came back', async () => {
    await sim.setFaults({ health_reply: 'Ok.' })
    const c = client()
    expect(await c.health(healthPrompt())).toMatchObject({ ok: false, error: 'reply was "Ok."' })
    await sim.resetFaults()
    expect(await c.health(healthPrompt())).toMatchObject({ ok: true, error: null })
    await c.close()
  })
})

describe('lexi-sim error envelopes', () => {
  for (const version of ['0.9.2', '0.10.0', '0.10.2', '0.12.0']) {
    test(`vLLM ${version}: a context overflow is LLM_ERR_CONTEXT_LENGTH with vLLM's message, sent once`, async () => {
      const s = await startLexiSim({ port: 0, fixedLatencyMs: 5, vllmVersion: version })
      // maxContextTokens above the real window so the client's own budget check lets it through.
      const c = createLlmClient({ baseURL: `${s.url}/v1`, timeoutMs: DEADLINE_MS, maxContextTokens: 100_000 })
      const big = renderedPrompt({
        messages: [{ role: 'user', content: 'lorem ipsum dolor '.repeat(1500) }],
        sampling: { temperature: 0, top_p: 1, max_tokens: 100 },
      })
      const r = await c.structured(big, AnswerSchema)
      await c.close()
      const requests = s.stats().byRoute['/v1/chat/completions']
      await s.close()
      expect(r.error?.code).toBe('LLM_ERR_CONTEXT_LENGTH')
      expect(r.error?.message).toMatch(/^This model's maximum context length is 4096 tokens/)
      expect(requests).toBe(1)
    })
  }
})
