/**
 * Batches many callers' items into few round trips. Two ways to cut a batch:
 * - group commit (`delayMs` 0, the default): the first item goes at once; items that arrive while a
 *   batch runs wait and go together in the next one. A lone caller never waits for a timer.
 * - timed (`delayMs` > 0): a batch is cut when `maxBatch` items wait, `delayMs` after the first of
 *   them arrived, or on flush(); used where every batch is expensive (the forecast writer).
 * Either way at most `maxBatch` items per call of `run`, and batches run one at a time, in order.
 */
export interface Batcher<I, O> {
  /** Resolves with this item's result from `run`, or rejects with the batch's error. */
  submit: (item: I) => Promise<O>
  /** Cuts a batch of what waits now (timed mode) and resolves once nothing is queued or running. */
  flush: () => Promise<void>
  /** Resolves once nothing is queued or running; in timed mode what waits is cut at once. */
  idle: () => Promise<void>
  /** Items submitted and not yet settled. */
  readonly size: number
}

export interface BatcherOptions<I, O> {
  /** Returns one result per item, in order; a throw rejects every item of the batch. */
  run: (items: I[]) => Promise<O[]>
  maxBatch: number
  /** @default 0 (group commit) */
  delayMs?: number
}

interface Waiting<I, O> {
  item: I
  resolve: (o: O) => void
  reject: (e: unknown) => void
}

export function createBatcher<I, O>({ run, maxBatch, delayMs = 0 }: BatcherOptions<I, O>): Batcher<I, O> {
  if (!(maxBatch >= 1)) throw new RangeError(`maxBatch must be >= 1, got ${maxBatch}`)
  const eager = delayMs <= 0
  let queue: Array<Waiting<I, O>> = [] // not cut yet
  const ready: Array<Array<Waiting<I, O>>> = [] // cut, waiting their turn
  let draining: Promise<void> | null = null
  let timer: NodeJS.Timeout | null = null
  let size = 0

  const take = (): Array<Waiting<I, O>> => {
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch)
    queue = batch === queue ? [] : queue.slice(batch.length)
    return batch
  }

  const runBatch = async (batch: Array<Waiting<I, O>>): Promise<void> => {
    try {
      const out = await run(batch.map((w) => w.item))
      batch.forEach((w, i) => {
        w.resolve(out[i] as O)
      })
    } catch (err) {
      for (const w of batch) w.reject(err)
    } finally {
      size -= batch.length
    }
  }

  const drain = async (): Promise<void> => {
    for (;;) {
      if (ready.length === 0 && eager && queue.length > 0) ready.push(take())
      const batch = ready.shift()
      if (!batch) return
      await runBatch(batch)
    }
  }

  const kick = (): void => {
    if (draining) return
    draining = drain().finally(() => {
      draining = null
      if (ready.length > 0 || (eager && queue.length > 0)) kick()
    })
  }

  /** Timed mode: everything waiting becomes batches now. */
  const cut = (): void => {
    if (timer) {
      clearTimeout(timer)
      timer = null
    }
    while (queue.length > 0) ready.push(take())
    kick()
  }

  const idle = async (): Promise<void> => {
    while (draining || timer || queue.length > 0) {
      if (draining) await draining
      else if (eager) kick()
      else cut()
    }
  }

  return {
    submit: (item) =>
      new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        size++
        if (eager) kick()
        else if (queue.length >= maxBatch) cut()
        else timer ??= setTimeout(cut, delayMs)
      }),
    flush: async () => {
      if (!eager) cut()
      await idle()
    },
    idle,
    get size() {
      return size
    },
  }
}
