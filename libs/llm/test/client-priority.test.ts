import { afterEach, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, VLLM_PRIORITY, type LlmClientInstance, type LlmPriorityClass } from '@pulsetrade/llm'
import { AnswerSchema, captureLogger, healthPrompt, renderedPrompt } from './client-fixtures'

/**
 * Issue 15, acceptance point 0: against a Lexi in fcfs mode (the runbook's) every class of call
 * still succeeds with priority scheduling configured, with one logged downgrade per upstream; in
 * priority mode every request carries its class's vLLM priority and trading carries the lowest.
 */
const sims: LexiSim[] = []
let client: LlmClientInstance | null = null
afterEach(async () => {
  await client?.close()
  client = null
  await Promise.all(sims.splice(0).map((s) => s.close()))
})

const sim = async (policy: 'fcfs' | 'priority'): Promise<LexiSim> => {
  const s = await startLexiSim({ port: 0, fixedLatencyMs: 5, schedulingPolicy: policy })
  sims.push(s)
  return s
}

const chatReq = { messages: [{ role: 'user' as const, content: 'Hello there' }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 8 } }

/** One call of every class, each the way its call site makes it. */
async function everyClass(c: LlmClientInstance): Promise<Record<LlmPriorityClass, boolean>> {
  const policy = await c.structured(renderedPrompt({ prompt: 'policy' }), AnswerSchema, { priorityClass: 'trading' })
  const rationale = await c.structured(renderedPrompt({ prompt: 'rationale' }), AnswerSchema, { priorityClass: 'forecast' })
  let streamed = ''
  for await (const ch of c.chatStream(chatReq, { priorityClass: 'interactive' })) streamed += ch.delta
  const summary = await c.structured(renderedPrompt({ prompt: 'summary' }), AnswerSchema, { priorityClass: 'batch' })
  const health = await c.health(healthPrompt())
  return { trading: policy.ok, forecast: rationale.ok, interactive: streamed.length > 0, batch: summary.ok, health: health.ok }
}

describe('priority scheduling', () => {
  test('fcfs Lexi: every class succeeds, one downgrade logged per upstream, stats say refused', async () => {
    const [a, b] = [await sim('fcfs'), await sim('fcfs')]
    const cap = captureLogger()
    client = createLlmClient({ baseURL: [`${a.url}/v1`, `${b.url}/v1`], priorityScheduling: true, logger: cap.logger, timeoutMs: 5_000 })
    for (let round = 0; round < 3; round++) {
      expect(await everyClass(client)).toEqual({ trading: true, forecast: true, interactive: true, batch: true, health: true })
    }
    // Streams first (their refusal arrives in-band), then plain chat, concurrently.
    const more = await Promise.all(Array.from({ length: 10 }, () => client!.chat(chatReq, { priorityClass: 'interactive' })))
    expect(more.every((r) => r.text.length > 0)).toBe(true)
    const downgrades = cap
      .lines()
      .map((l) => JSON.parse(l) as { msg: string; upstream?: string })
      .filter((l) => l.msg.startsWith('llm upstream does not run priority scheduling'))
    expect(downgrades.map((l) => l.upstream).sort()).toEqual(
      client
        .stats()
        .upstreams.map((u) => u.label)
        .sort(),
    )
    expect(client.stats().upstreams.map((u) => u.priority)).toEqual(['refused', 'refused'])
    expect(await client.metrics.getSingleMetricAsString('llm_client_priority_downgrades_total')).toMatch(/} 1\n.*} 1/s)
    // After the downgrade nothing carries a priority any more: each sim saw at most the one refusal per class.
    for (const s of [a, b]) expect(s.stats().rejected).toBeLessThanOrEqual(3)
  })

  test('a downgrade never fails a trading call, even when the refusal is the first thing the upstream says', async () => {
    const s = await sim('fcfs')
    client = createLlmClient({ baseURL: `${s.url}/v1`, priorityScheduling: true, maxRetries: 0, timeoutMs: 5_000 })
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client!.structured(renderedPrompt({ prompt: 'policy' }), AnswerSchema, { priorityClass: i % 2 === 0 ? 'trading' : 'forecast' }),
      ),
    )
    expect(results.filter((r) => !r.ok)).toEqual([])
  })

  test('a stream refused in-band (its first frame) is opened again without priority and completes', async () => {
    const s = await sim('fcfs')
    const cap = captureLogger()
    client = createLlmClient({ baseURL: `${s.url}/v1`, priorityScheduling: true, logger: cap.logger, timeoutMs: 5_000 })
    let text = ''
    for await (const ch of client.chatStream(chatReq, { priorityClass: 'interactive' })) text += ch.delta
    expect(text.length).toBeGreaterThan(0)
    expect(s.stats()).toMatchObject({ rejected: 1, requests: 1 })
    expect(cap.lines().filter((l) => l.includes('does not run priority scheduling'))).toHaveLength(1)
    expect(cap.lines().some((l) => l.includes('"llm call failed"'))).toBe(false)
  })

  test('priority Lexi: requests carry their class value, trading the lowest of all', async () => {
    const s = await sim('priority')
    client = createLlmClient({ baseURL: `${s.url}/v1`, priorityScheduling: true, timeoutMs: 5_000 })
    expect(await everyClass(client)).toEqual({ trading: true, forecast: true, interactive: true, batch: true, health: true })
    expect(s.stats().byPriority).toEqual({
      [VLLM_PRIORITY.trading]: 2, // trading and health share the lowest value
      [VLLM_PRIORITY.forecast]: 1,
      [VLLM_PRIORITY.interactive]: 1,
      [VLLM_PRIORITY.batch]: 1,
    })
    const others = (['forecast', 'interactive', 'batch'] as const).map((c) => VLLM_PRIORITY[c])
    expect(Math.min(...others)).toBeGreaterThan(VLLM_PRIORITY.trading)
    expect(client.stats().upstreams[0]?.priority).toBe('priority')
    expect(s.stats().rejected).toBe(0)
  })

  test('not configured: no priority field is sent, so an fcfs Lexi never refuses anything', async () => {
    const s = await sim('fcfs')
    const cap = captureLogger()
    client = createLlmClient({ baseURL: `${s.url}/v1`, logger: cap.logger, timeoutMs: 5_000 })
    await everyClass(client)
    expect(s.stats().rejected).toBe(0)
    expect(client.stats().upstreams[0]?.priority).toBe('off')
    expect(cap.lines().some((l) => l.includes('priority scheduling'))).toBe(false)
  })
})
