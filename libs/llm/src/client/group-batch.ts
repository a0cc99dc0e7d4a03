/**
 * Group commit: the first item goes at once; items that arrive while a batch is being written wait
 * and go together in the next one (at most `maxBatch` per call of `run`). Under load many callers
 * share one round trip; a lone caller never waits for a timer.
 */
export interface GroupBatch<I, O> {
  /** Resolves with this item's result from `run`, or rejects with the batch's error. */
  submit: (item: I) => Promise<O>
  /** Resolves once nothing is queued or running. */
  idle: () => Promise<void>
}

interface Waiting<I, O> { item: I, resolve: (o: O) => void, reject: (e: unknown) => void }

/** `run` returns one result per item, in order. */
export function createGroupBatch<I, O> (run: (items: I[]) => Promise<O[]>, maxBatch: number): GroupBatch<I, O> {
  let queue: Array<Waiting<I, O>> = []
  let running: Promise<void> | null = null

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch)
      queue = queue.slice(batch.length)
      try {
        const out = await run(batch.map((w) => w.item))
        batch.forEach((w, i) => { w.resolve(out[i] as O) })
      } catch (err) {
        for (const w of batch) w.reject(err)
      }
    }
  }

  const start = (): void => {
    if (running) return
    running = drain().finally(() => {
      running = null
      if (queue.length > 0) start()
    })
  }

  return {
    submit: async (item) => await new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject })
      start()
    }),
    idle: async () => {
      while (running) await running
    },
  }
}
