import { afterEach, describe, expect, test } from 'vitest'
import { createScheduler, type SchedulerEntry } from '../src/scheduler'
import { startLexiSim, type LexiSim } from '../src/index'

/**
 * vLLM v1's scheduling (vllm/v1/core/sched/scheduler.py): the priority policy orders the waiting
 * queue by (priority, arrival) and never preempts for a slot; only a full KV cache preempts, and
 * then the running request with the largest (priority, arrival). fcfs refuses a non-zero priority
 * with "Got priority N but Priority scheduling is not enabled." (a 400, or an in-band frame once
 * a stream has started).
 */
let sim: LexiSim | null = null
afterEach(async () => {
  await sim?.close()
  sim = null
})

const chat = async (s: LexiSim, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown>; at: number }> => {
  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'essay' }], ...body }),
    signal: AbortSignal.timeout(20_000),
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, at: performance.now() }
}

describe('scheduler', () => {
  const entry = (priority: number, log: string[], name: string): SchedulerEntry => ({
    priority,
    start: () => {
      log.push(name)
    },
  })

  test('priority policy: a full batch admits waiting requests by (priority, arrival) and preempts nobody', () => {
    const log: string[] = []
    const s = createScheduler({ maxNumSeqs: 2, policy: 'priority' })
    const a = entry(5, log, 'a')
    const b = entry(5, log, 'b')
    s.submit(a)
    s.submit(b)
    s.submit(entry(3, log, 'c3'))
    s.submit(entry(0, log, 'd0'))
    s.submit(entry(3, log, 'e3'))
    s.submit(entry(9, log, 'f9'))
    expect(log).toEqual(['a', 'b'])
    expect(s.running).toBe(2)
    s.finish(a)
    s.finish(b)
    expect(log).toEqual(['a', 'b', 'd0', 'c3'])
    expect(s.waiting).toBe(2)
  })

  test('the preemption victim is the largest (priority, arrival) under priority, the last admitted under fcfs', () => {
    const p = createScheduler({ maxNumSeqs: 4, policy: 'priority' })
    const es = [entry(1, [], 'x'), entry(7, [], 'y'), entry(7, [], 'z'), entry(0, [], 'w')]
    for (const e of es) p.submit(e)
    expect(p.victim()).toBe(es[2])
    p.preempt(es[2] as SchedulerEntry)
    expect(p.running).toBe(3)
    expect(p.waiting).toBe(1)
    expect(p.victim()).toBe(es[1])
    const f = createScheduler({ maxNumSeqs: 4, policy: 'fcfs' })
    const fs = [entry(1, [], 'x'), entry(7, [], 'y'), entry(0, [], 'z')]
    for (const e of fs) f.submit(e)
    expect(f.victim()).toBe(fs[2])
  })

  test('a preempted request goes back ahead of later arrivals of its priority', () => {
    const log: string[] = []
    const s = createScheduler({ maxNumSeqs: 1, policy: 'priority' })
    const a = entry(2, log, 'a')
    s.submit(a)
    s.submit(entry(2, log, 'b'))
    s.preempt(a)
    s.drain()
    expect(log).toEqual(['a', 'a'])
  })
})

describe('lexi-sim', () => {
  test("fcfs: a non-zero priority is refused with vLLM's text, as a 400 and as a stream frame; priority 0 is served", async () => {
    sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
    const refused = await chat(sim, { max_tokens: 4, priority: 3 })
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.json)).toContain('Got priority 3 but Priority scheduling is not enabled.')
    expect((await chat(sim, { max_tokens: 4, priority: 0 })).status).toBe(200)
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, priority: -1, stream: true }),
    })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toContain('Got priority -1 but Priority scheduling is not enabled.')
    expect(text.trim().endsWith('data: [DONE]')).toBe(true)
  })

  test('priority: with every slot busy, the lowest value waiting is served next and running requests finish untouched', async () => {
    sim = await startLexiSim({ port: 0, fixedLatencyMs: 300, maxNumSeqs: 2, schedulingPolicy: 'priority' })
    const s = sim
    const running = [chat(s, { max_tokens: 4, priority: 9 }), chat(s, { max_tokens: 4, priority: 9 })]
    await new Promise((resolve) => setTimeout(resolve, 50))
    const late = chat(s, { max_tokens: 4, priority: 5 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const urgent = chat(s, { max_tokens: 4, priority: 0 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const last = chat(s, { max_tokens: 4, priority: 9 })
    const [r1, r2, l, u, z] = await Promise.all([...running, late, urgent, last])
    for (const r of [r1, r2, l, u, z]) expect(r?.status).toBe(200)
    // Both urgent and late start when the first two finish (two slots): urgent is not later than late.
    expect(u!.at).toBeLessThanOrEqual(l!.at + 30)
    expect(z!.at).toBeGreaterThan(u!.at + 200)
    expect(s.stats()).toMatchObject({ preemptions: 0, byPriority: { 0: 1, 5: 1, 9: 3 } })
  })

  test('priority: a full KV cache preempts the lowest-priority running request, which resumes and still completes', async () => {
    sim = await startLexiSim({
      port: 0,
      maxModelLen: 512,
      kvCacheTokens: 512,
      maxNumSeqs: 8,
      schedulingPolicy: 'priority',
      itlBaseMs: 2,
      itlPerSeqMs: 0,
      jitterSigma: 0,
      textTokens: [200, 200],
      prefillTokensPerSec: 1e6,
    })
    const s = sim
    const low = chat(s, { max_tokens: 200, priority: 9 })
    await new Promise((resolve) => setTimeout(resolve, 30))
    const highs = [chat(s, { max_tokens: 200, priority: 0 }), chat(s, { max_tokens: 200, priority: 0 })]
    const [l, ...h] = await Promise.all([low, ...highs])
    for (const r of [l, ...h]) {
      expect(r?.status).toBe(200)
      expect((r?.json.usage as { completion_tokens: number }).completion_tokens).toBe(200)
    }
    expect(s.stats().preemptions).toBeGreaterThan(0)
    // The preempted low-priority request finishes after both high-priority ones.
    for (const r of h) expect(l!.at).toBeGreaterThan(r!.at)
    const metrics = await (await fetch(`${s.url}/metrics`)).text()
    expect(Number(/^vllm:num_preemptions_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0)
  })
})
