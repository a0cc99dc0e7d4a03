import { beforeAll, describe, expect, test } from 'vitest'
import { createLlmClient, LlmAbortedError, LlmQueueFullError, LlmTimeoutError } from '@pulsetrade/llm'
import { completion, deadlineWatch, delay, sendJson, startServer, warmUp, useTestResources } from './client-fixtures'

const req = (content = 'hi') => ({ messages: [{ role: 'user' as const, content }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 16 } })

beforeAll(warmUp)

const t = useTestResources()

describe('deadlines', () => {
  test('a server that never sends headers ends in LlmTimeoutError at the deadline, and the socket is closed', async () => {
    t.server = await startServer(() => {
      /* never answers */
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 300, maxRetries: 2 })
    const watch = deadlineWatch(300)
    const err = await t.client.chat(req()).catch((e: unknown) => e)
    const took = watch.elapsed()
    expect(err).toBeInstanceOf(LlmTimeoutError)
    expect((err as Error).message).toBe('timeout after 300 ms')
    expect(took).toBeGreaterThanOrEqual(295)
    expect(took).toBeLessThanOrEqual(watch.bound(50))
    // The upstream sees the disconnect (vLLM aborts the sequence and frees its slot).
    await Promise.race([
      t.server.requests[0]?.closedEarly,
      delay(500).then(() => {
        throw new Error('socket not closed')
      }),
    ])
    expect(t.server.requests).toHaveLength(1)
  })

  test('an absolute deadline in CallOptions overrides the client timeout', async () => {
    t.server = await startServer(() => {})
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 10_000 })
    const watch = deadlineWatch(150)
    await expect(t.client.chat(req(), { deadline: Date.now() + 150 })).rejects.toBeInstanceOf(LlmTimeoutError)
    expect(watch.elapsed()).toBeLessThanOrEqual(watch.bound(50))
  })

  test("the caller's AbortSignal gives LlmAbortedError and closes the socket", async () => {
    t.server = await startServer(() => {})
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 5_000 })
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 100)
    await expect(t.client.chat(req(), { signal: ac.signal })).rejects.toBeInstanceOf(LlmAbortedError)
    await Promise.race([
      t.server.requests[0]?.closedEarly,
      delay(500).then(() => {
        throw new Error('socket not closed')
      }),
    ])
  })
})

describe('concurrency slots', () => {
  test('a caller whose deadline passes while queued times out and never reaches the upstream', async () => {
    t.server = await startServer(async (_r, res) => {
      await delay(400)
      sendJson(res, 200, completion('slow'))
    })
    t.client = createLlmClient({ baseURL: t.server.url, concurrency: 1, timeoutMs: 2_000 })
    const first = t.client.chat(req('first'))
    const watch = deadlineWatch(150)
    const err = await t.client.chat(req('second'), { timeoutMs: 150 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmTimeoutError)
    expect(err).toMatchObject({ phase: 'queue', message: 'timeout after 150 ms (queue)' })
    expect(watch.elapsed()).toBeLessThanOrEqual(watch.bound(50))
    await first
    expect(t.server.requests.map((r) => r.body.messages[0].content)).toEqual(['first'])
    expect(t.client.stats()).toMatchObject({ inFlight: 0, waiting: 0 })
  })

  test('the wait queue is bounded: overflow fails at once with LlmQueueFullError', async () => {
    t.server = await startServer(async (_r, res) => {
      await delay(200)
      sendJson(res, 200, completion('x'))
    })
    t.client = createLlmClient({ baseURL: t.server.url, concurrency: 1, maxQueue: 1, timeoutMs: 2_000 })
    const a = t.client.chat(req())
    const b = t.client.chat(req())
    const t0 = Date.now()
    await expect(t.client.chat(req())).rejects.toBeInstanceOf(LlmQueueFullError)
    expect(Date.now() - t0).toBeLessThan(50)
    await Promise.all([a, b])
  })

  test('waiting callers are served first come, first served, never more than the limit at once', async () => {
    let running = 0
    let peak = 0
    t.server = await startServer(async (_r, res) => {
      running++
      peak = Math.max(peak, running)
      await delay(20)
      running--
      sendJson(res, 200, completion('x'))
    })
    t.client = createLlmClient({ baseURL: t.server.url, concurrency: 3, timeoutMs: 5_000 })
    await Promise.all(Array.from({ length: 12 }, (_, i) => t.client?.chat(req(`m${i}`))))
    expect(peak).toBe(3)
    const serial = createLlmClient({ baseURL: t.server.url, concurrency: 1, timeoutMs: 5_000 })
    const before = t.server.requests.length
    await Promise.all(Array.from({ length: 8 }, (_, i) => serial.chat(req(`s${i}`))))
    await serial.close()
    expect(t.server.requests.slice(before).map((r) => r.body.messages[0].content)).toEqual(Array.from({ length: 8 }, (_, i) => `s${i}`))
  })
})
