import { expect, test, vi } from 'vitest'
import { createBatcher } from '@pulsetrade/db'

/** A run that records its batches and holds the first one until release(). */
function gated() {
  const batches: number[][] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const run = async (items: number[]): Promise<number[]> => {
    batches.push(items)
    if (batches.length === 1) await gate
    return items.map((i) => i * 10)
  }
  return { batches, run, release: () => release() }
}

test('group commit: a lone item goes at once; items queued while a batch runs share the next one', async () => {
  const g = gated()
  const b = createBatcher({ run: g.run, maxBatch: 3 })
  const first = b.submit(1)
  const rest = [2, 3, 4, 5, 6].map(async (i) => await b.submit(i))
  expect(b.size).toBe(6)
  g.release()
  expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50, 60])
  expect(g.batches).toEqual([[1], [2, 3, 4], [5, 6]])
  await b.idle()
  expect(b.size).toBe(0)
})

test('a failing batch rejects its own callers only', async () => {
  const b = createBatcher<number, number>({
    maxBatch: 1,
    run: async (items) => {
      if (items.includes(2)) throw new Error('batch with 2 failed')
      return items
    },
  })
  const results = await Promise.allSettled([1, 2, 3].map(async (i) => await b.submit(i)))
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
})

test('timed: a batch is cut delayMs after its first item, or at once when maxBatch items wait', async () => {
  vi.useFakeTimers()
  try {
    const batches: number[][] = []
    const b = createBatcher<number, number>({
      maxBatch: 3,
      delayMs: 50,
      run: async (items) => {
        batches.push(items)
        return items
      },
    })
    const a = [b.submit(1), b.submit(2)]
    await vi.advanceTimersByTimeAsync(49)
    expect(batches).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(batches).toEqual([[1, 2]])
    const c = [b.submit(3), b.submit(4), b.submit(5)]
    await vi.advanceTimersByTimeAsync(0)
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ])
    await Promise.all([...a, ...c])
  } finally {
    vi.useRealTimers()
  }
})

test('timed: flush() cuts what waits at once and resolves when it is stored; batches run one at a time, in order', async () => {
  const g = gated()
  const b = createBatcher({ run: g.run, maxBatch: 10, delayMs: 60_000 })
  const first = b.submit(1)
  void b.flush()
  const second = b.submit(2)
  const flushed = b.flush()
  await new Promise((r) => setTimeout(r, 20))
  expect(g.batches).toEqual([[1]]) // the second waits for the first
  g.release()
  await flushed
  expect(await Promise.all([first, second])).toEqual([10, 20])
  expect(g.batches).toEqual([[1], [2]])
})

test('maxBatch below 1 is refused', () => {
  expect(() => createBatcher({ run: async (x: number[]) => x, maxBatch: 0 })).toThrow(RangeError)
})
