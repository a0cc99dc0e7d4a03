import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, llmResultSchema, LlmCircuitOpenError } from '@pulsetrade/llm'
import { testDatabase } from '../../../test/db'
import { AnswerSchema, renderedPrompt } from './client-fixtures'

const db = await testDatabase()
const resultSchema = llmResultSchema(AnswerSchema)
const orderPrompt = (i: number, over: Parameters<typeof renderedPrompt>[0] = {}) =>
  renderedPrompt({
    messages: [
      { role: 'system', content: 'You gate orders. Answer in JSON.' },
      { role: 'user', content: `Order ${i}: buy ${(i % 50) + 1} ACME at 101.${i}` },
    ],
    ...over,
  })

let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 20 })
})
afterAll(async () => {
  await sim.close()
})

describe('against lexi-sim', () => {
  test('500 structured calls at concurrency 64 keep exactly 64 running, nothing queued in vLLM, all valid', async () => {
    // Long enough per request that the whole first burst of 64 overlaps even on a busy 2-core machine.
    const slow = await startLexiSim({ port: 0, fixedLatencyMs: 1_200 })
    const client = createLlmClient({ baseURL: `${slow.url}/v1`, concurrency: 64, timeoutMs: 60_000 })
    await Promise.all([1, 2, 3].map((i) => client.structured(orderPrompt(1_000 + i), AnswerSchema))) // warm paths
    slow.resetStats()
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => client.structured(orderPrompt(i), AnswerSchema)))
    await client.close()
    const s = slow.stats()
    await slow.close()
    for (const r of results) expect(resultSchema.parse(r)).toMatchObject({ ok: true, valid_json: true, error: null })
    expect(s.peakRunning).toBe(64)
    expect(s.peakWaiting).toBe(0)
    expect(s.requests).toBe(500)
    expect(s.completed).toBe(500)
  })

  test('the circuit opens after the configured failures, fails fast while open and recovers', async () => {
    let t = 0
    const client = createLlmClient({
      baseURL: `${sim.url}/v1`,
      maxRetries: 0,
      timeoutMs: 2_000,
      breaker: { failureThreshold: 3, cooldownMs: 5_000 },
      now: () => t,
    })
    await sim.setFaults({ engine_dead: true })
    for (let i = 0; i < 3; i++) expect((await client.structured(orderPrompt(i), AnswerSchema)).error?.code).toBe('LLM_ERR_UPSTREAM')
    sim.resetStats()
    const fast = await client.structured(orderPrompt(9), AnswerSchema)
    expect(fast.error?.code).toBe('LLM_ERR_CIRCUIT_OPEN')
    expect(sim.stats().byRoute['/v1/chat/completions'] ?? 0).toBe(0) // nothing reached the upstream
    await expect(client.chat({ messages: [{ role: 'user', content: 'x' }], sampling: { temperature: 0.5, top_p: 1, max_tokens: 5 } })).rejects.toBeInstanceOf(
      LlmCircuitOpenError,
    )
    await sim.resetFaults()
    t += 5_000
    expect((await client.structured(orderPrompt(10), AnswerSchema)).ok).toBe(true)
    expect(client.stats().upstreams[0]?.circuit).toBe('closed')
    await client.close()
  })

  test('with two replicas and one down, every call succeeds', async () => {
    const other = await startLexiSim({ port: 0, fixedLatencyMs: 5 })
    await other.setFaults({ down: true })
    const client = createLlmClient({ baseURL: `${other.url}/v1,${sim.url}/v1`, maxRetries: 0, timeoutMs: 5_000 })
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => client.structured(orderPrompt(i, { sampling: { temperature: 0.4, top_p: 1, max_tokens: 200 } }), AnswerSchema)),
    )
    expect(results.filter((r) => !r.ok)).toEqual([])
    await client.close()
    await other.close()
  })

  test('cache: a repeat is served from Postgres without an upstream request; force overwrites; non-deterministic is never cached', async () => {
    await db.pool.query('TRUNCATE llm_cache')
    const client = createLlmClient({ baseURL: `${sim.url}/v1`, db: db.pool, timeoutMs: 5_000 })
    const completions = (): number => sim.stats().byRoute['/v1/chat/completions'] ?? 0
    sim.resetStats()
    const first = await client.structured(orderPrompt(1), AnswerSchema)
    const second = await client.structured(orderPrompt(1), AnswerSchema)
    expect([first.cached, second.cached]).toEqual([false, true])
    expect(second.parsed).toEqual(first.parsed)
    expect(completions()).toBe(1)

    const forced = await client.structured(orderPrompt(1), AnswerSchema, { force: true })
    expect(forced.cached).toBe(false)
    expect(completions()).toBe(2)
    const row = (await db.pool.query<{ n: number; request_id: string }>("SELECT count(*)::int AS n, max(response->>'request_id') AS request_id FROM llm_cache"))
      .rows[0]
    expect(row).toEqual({ n: 1, request_id: forced.request_id })

    const warm = orderPrompt(2, { sampling: { temperature: 0.8, top_p: 0.95, max_tokens: 200 } })
    await client.structured(warm, AnswerSchema)
    expect((await client.structured(warm, AnswerSchema)).cached).toBe(false)
    expect(completions()).toBe(4)
    expect((await db.pool.query('SELECT count(*)::int AS n FROM llm_cache')).rows[0]?.n).toBe(1)
    await client.close()
  })
})
