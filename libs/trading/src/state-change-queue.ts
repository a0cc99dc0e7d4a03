import Denque from 'denque'
import { TradingBusyError } from './errors'

interface Turn {
  done: boolean
  start: () => void
}

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
export function createStateChangeQueue({ timeoutMs, maxWaiting = 1000 }: StateChangeQueueOptions): StateChangeQueue {
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`)
  /** Changes waiting for their turn (denque); one whose budget ran out stays, marked done, until it reaches the front. */
  const waiters = new Denque<Turn>()
  let running = false
  let size = 0
  const busy = (why: string): TradingBusyError => new TradingBusyError(`trading state change not started: ${why}; retry shortly`, Math.min(timeoutMs, 1000))

  /** Hands the turn to the first change still waiting, or frees it. */
  const next = (): void => {
    for (let t = waiters.shift(); t; t = waiters.shift()) {
      if (t.done) continue
      t.done = true
      t.start()
      return
    }
    running = false
  }

  const waitTurn = (): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        if (!turn.done) {
          turn.done = true
          resolve(false)
        }
      }, timeoutMs)
      const turn: Turn = {
        done: false,
        start: () => {
          clearTimeout(timer)
          resolve(true)
        },
      }
      waiters.push(turn)
    })

  const run = async <T>(fn: (lockTimeoutMs: number) => Promise<T>): Promise<T> => {
    if (size >= maxWaiting) throw busy(`${size} changes are already queued`)
    const deadline = Date.now() + timeoutMs
    size++
    try {
      if (!running) running = true
      // Later changes still wait for the ones ahead of this one when its budget runs out.
      else if (!(await waitTurn())) throw busy(`waited ${timeoutMs} ms behind other state changes`)
      try {
        const left = deadline - Date.now()
        if (left <= 0) throw busy(`waited ${timeoutMs} ms behind other state changes`)
        return await fn(left)
      } finally {
        next()
      }
    } finally {
      size--
    }
  }
  return {
    run,
    get size() {
      return size
    },
  }
}
