import { TradingBusyError } from './errors'

export interface StateChangeQueueOptions {
  /** Budget of one state change from the moment it is queued: waiting here plus waiting for the table lock. */
  timeoutMs: number
  /** More waiting than this is refused at once. @default 1000 */
  maxWaiting?: number
}

export interface StateChangeQueue {
  /**
   * Runs `fn` when the changes queued before it are over, with what is left of the budget (the
   * lock_timeout for the trading_state table lock). TradingBusyError when the budget runs out
   * first or the queue is full; `fn` does not run then.
   */
  run: <T>(fn: (lockTimeoutMs: number) => Promise<T>) => Promise<T>
  /** Changes queued or running. */
  readonly size: number
}

/**
 * Serialises one process's state changes (panic exit, resume, set state) BEFORE they take a
 * connection: without it, every concurrent caller holds a pooled connection while it waits for
 * the trading_state table lock, and a burst starves everything else that needs the pool (the
 * panic exit's own steps, audit rows). FIFO; each change has a deadline.
 */
export function createStateChangeQueue ({ timeoutMs, maxWaiting = 1000 }: StateChangeQueueOptions): StateChangeQueue {
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`)
  let tail: Promise<void> = Promise.resolve()
  let size = 0
  const busy = (why: string): TradingBusyError =>
    new TradingBusyError(`trading state change not started: ${why}; retry shortly`, Math.min(timeoutMs, 1000))

  const run = async <T>(fn: (lockTimeoutMs: number) => Promise<T>): Promise<T> => {
    if (size >= maxWaiting) throw busy(`${size} changes are already queued`)
    const deadline = Date.now() + timeoutMs
    const turn = tail
    let done!: () => void
    tail = new Promise<void>((resolve) => { done = resolve })
    size++
    try {
      let timer: NodeJS.Timeout | undefined
      const expired = await Promise.race([
        turn.then(() => false),
        new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), timeoutMs) }),
      ])
      clearTimeout(timer)
      const left = deadline - Date.now()
      if (expired || left <= 0) {
        // Later changes still wait for the ones ahead of this one.
        void turn.then(done)
        throw busy(`waited ${timeoutMs} ms behind other state changes`)
      }
      try { return await fn(left) } finally { done() }
    } finally { size-- }
  }
  return { run, get size () { return size } }
}
