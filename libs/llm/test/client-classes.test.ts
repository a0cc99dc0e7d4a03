import { afterEach, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, type LlmClientInstance } from '@pulsetrade/llm'
import { resolveNumbers } from '../src/client/client-options'
import { createSemaphore, type Release } from '../src/client/semaphore'
import { delay, healthPrompt } from './client-fixtures'

/**
 * Per-process budgets per priority class (issue 15): chat never holds more than its share, never
 * takes a slot a trading call waits for, and the health probe never waits behind the queue.
 */
const budgets = { interactive: 2, batch: 8, reserved: 1, health: 1 }
const acquire = (s: ReturnType<typeof createSemaphore>, cls: Parameters<typeof s.acquire>[0]['cls']): Promise<Release> => {
  const p = s.acquire({ waitMs: 2_000, budgetMs: 2_000, cls })
  p.catch(() => {}) // waiters left at the end of a test time out quietly
  return p
}

describe('class budgets', () => {
  test('interactive calls hold at most their share; the rest wait while other classes still get slots', async () => {
    const s = createSemaphore(6, 100, budgets)
    const chats = Array.from({ length: 5 }, () => acquire(s, 'interactive'))
    await delay(0)
    expect(s.byClass().interactive).toEqual({ inFlight: 2, waiting: 3 })
    const trading = await Promise.all(Array.from({ length: 4 }, () => acquire(s, 'trading')))
    expect(s.inFlight).toBe(6)
    for (const r of trading) r()
    // Slots are free again, but interactive stays at its cap.
    expect(s.byClass().interactive).toEqual({ inFlight: 2, waiting: 3 })
    void chats
  })

  test('interactive calls never take the reserved slots', async () => {
    const s = createSemaphore(4, 100, { ...budgets, interactive: 4, reserved: 2 })
    const held = await Promise.all([acquire(s, 'interactive'), acquire(s, 'interactive')])
    const third = acquire(s, 'interactive')
    await delay(0)
    expect(s.byClass().interactive).toEqual({ inFlight: 2, waiting: 1 })
    const t = await Promise.all([acquire(s, 'trading'), acquire(s, 'trading')])
    expect(s.inFlight).toBe(4)
    for (const r of [...held, ...t]) r()
    expect((await third) !== undefined).toBe(true)
  })

  test('a freed slot goes to a waiting trading call before chat that waited longer', async () => {
    const s = createSemaphore(2, 100, { ...budgets, interactive: 2, reserved: 0 })
    const first = await Promise.all([acquire(s, 'interactive'), acquire(s, 'interactive')])
    const order: string[] = []
    const chat = acquire(s, 'interactive').then((r) => {
      order.push('chat')
      return r
    })
    const batch = acquire(s, 'batch').then((r) => {
      order.push('batch')
      return r
    })
    const forecast = acquire(s, 'forecast').then((r) => {
      order.push('forecast')
      return r
    })
    const trading = acquire(s, 'trading').then((r) => {
      order.push('trading')
      return r
    })
    await delay(0)
    ;(first[0] as Release)()
    await delay(0)
    expect(order).toEqual(['trading'])
    ;(first[1] as Release)()
    await delay(0)
    expect(order).toEqual(['trading', 'forecast'])
    ;(await trading)()
    ;(await forecast)()
    await Promise.all([chat, batch])
    expect(order).toEqual(['trading', 'forecast', 'chat', 'batch'])
  })

  test('health has a slot of its own beyond the limit and never waits behind the queue', async () => {
    const s = createSemaphore(1, 100, budgets)
    await acquire(s, 'trading')
    const waiting = Array.from({ length: 5 }, () => acquire(s, 'trading'))
    const h = await Promise.race([acquire(s, 'health'), delay(50).then(() => null)])
    expect(h).not.toBeNull()
    expect(s.inFlight).toBe(2)
    void waiting
  })

  test('the defaults: of 64 slots chat holds at most 16 and never the last 8; small limits keep a slot for chat', () => {
    expect(resolveNumbers({ baseURL: 'x' })).toMatchObject({ concurrency: 64, interactiveSlots: 16, reservedSlots: 8, batchSlots: 64 })
    expect(resolveNumbers({ baseURL: 'x', concurrency: 4 })).toMatchObject({ interactiveSlots: 4, reservedSlots: 0, batchSlots: 4 })
    expect(resolveNumbers({ baseURL: 'x', concurrency: 4, reservedSlots: 9, interactiveSlots: 10 })).toMatchObject({ interactiveSlots: 1, reservedSlots: 3 })
    expect(() => resolveNumbers({ baseURL: 'x', interactiveSlots: 0 })).toThrow(/option interactiveSlots/)
  })
})

describe('health under a full queue', () => {
  let sim: LexiSim | null = null
  let client: LlmClientInstance | null = null
  afterEach(async () => {
    await client?.close()
    await sim?.close()
    client = null
    sim = null
  })

  test('with every slot held by long chats and more queued, a probe answers OK within its deadline', async () => {
    sim = await startLexiSim({ port: 0, itlBaseMs: 10, itlPerSeqMs: 0, jitterSigma: 0, textTokens: [300, 300] })
    client = createLlmClient({ baseURL: `${sim.url}/v1`, concurrency: 4, interactiveSlots: 4, reservedSlots: 0, timeoutMs: 20_000 })
    const req = { messages: [{ role: 'user' as const, content: 'essay' }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 300 } }
    const ctl = new AbortController()
    const chats = Array.from({ length: 10 }, () => client!.chat(req, { priorityClass: 'interactive', signal: ctl.signal }).catch(() => null))
    await delay(100)
    expect(client.stats()).toMatchObject({ inFlight: 4, waiting: 6 })
    const t0 = performance.now()
    const h = await client.health(healthPrompt(), { timeoutMs: 1_000 })
    expect(h).toMatchObject({ ok: true, state: 'ok', queue: { waiting: 6 } })
    expect(performance.now() - t0).toBeLessThan(1_000)
    ctl.abort()
    await Promise.all(chats)
  })
})
