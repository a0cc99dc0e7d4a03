import { expect, test } from 'vitest'
import type { Mode } from './endpoints'
import { call, openRequest, simTarget, waitFor } from './target'

const hi = [{ role: 'user', content: 'Say hello.' }]

/** Sends requests one at a time (each admitted before the next leaves) and records finish order. */
async function inOrder(s: Awaited<ReturnType<typeof simTarget>>, bodies: Array<Record<string, unknown>>): Promise<{ order: number[]; statuses: number[] }> {
  const order: number[] = []
  const statuses: number[] = []
  const pending: Array<Promise<void>> = []
  for (const [i, body] of bodies.entries()) {
    const before = s.sim.stats().requests + s.sim.stats().rejected
    pending.push(
      call(s.url, '/v1/chat/completions', { body }).then((r) => {
        statuses[i] = r.status
        order.push(i)
      }),
    )
    await waitFor(() => s.sim.stats().requests + s.sim.stats().rejected > before, 2_000, `request ${i} admitted`)
  }
  await Promise.all(pending)
  return { order, statuses }
}

/** Contract section 6, item 13 (the 200-request acceptance run is concurrency-acceptance.test.ts). */
export function schedulingTests(mode: Mode): void {
  test.skipIf(mode.real)('13. at most max-num-seqs run; the rest wait FIFO; nobody gets a 429', async () => {
    const s = await simTarget({ maxNumSeqs: 2, fixedLatencyMs: 150 })
    try {
      const { order, statuses } = await inOrder(
        s,
        Array.from({ length: 6 }, () => ({ messages: hi })),
      )
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
      expect([order.slice(0, 2).sort(), order.slice(2, 4).sort(), order.slice(4).sort()]).toEqual([
        [0, 1],
        [2, 3],
        [4, 5],
      ])
      expect(s.sim.stats()).toMatchObject({ peakRunning: 2, peakWaiting: 4, running: 0, waiting: 0, completed: 6 })
    } finally {
      await s.close()
    }
  })

  test.skipIf(mode.real)('13. --scheduling-policy priority serves lower priority values first; fcfs refuses a priority', async () => {
    const s = await simTarget({ maxNumSeqs: 1, fixedLatencyMs: 100, schedulingPolicy: 'priority' })
    try {
      const { order } = await inOrder(s, [{ messages: hi }, { messages: hi, priority: 5 }, { messages: hi, priority: -1 }])
      expect(order).toEqual([0, 2, 1])
    } finally {
      await s.close()
    }
    const fcfs = await simTarget()
    try {
      const r = await call(fcfs.url, '/v1/chat/completions', { body: { messages: hi, priority: 5 } })
      expect(r.status).toBe(400)
      expect(r.json().error.message).toBe('Got priority 5 but Priority scheduling is not enabled.')
    } finally {
      await fcfs.close()
    }
  })

  test.skipIf(mode.real)('13. the optional admission cap (maxQueued) answers 503 once that many wait', async () => {
    const s = await simTarget({ maxNumSeqs: 1, maxQueued: 1, fixedLatencyMs: 60_000 })
    const open = [openRequest(s.url, { messages: hi }), openRequest(s.url, { messages: hi })]
    try {
      await waitFor(() => s.sim.stats().waiting === 1, 2_000, 'one running, one waiting')
      const r = await call(s.url, '/v1/chat/completions', { body: { messages: hi } })
      expect(r.status).toBe(503)
      expect(r.json().error.code).toBe(503)
    } finally {
      for (const o of open) o.abort()
      await s.close()
    }
  })
}
