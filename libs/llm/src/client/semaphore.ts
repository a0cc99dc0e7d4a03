import { LlmQueueFullError, LlmTimeoutError } from './errors'

/** Gives back the slot; calling it more than once is harmless. */
export type Release = () => void

export interface AcquireOptions {
  /** Milliseconds this caller may still wait. */
  waitMs: number
  /** The call's whole budget, for the timeout message. */
  budgetMs: number
  signal?: AbortSignal
}

export interface Semaphore {
  acquire: (opts: AcquireOptions) => Promise<Release>
  readonly inFlight: number
  readonly waiting: number
}

interface Waiter {
  resolve: (r: Release) => void
  reject: (e: unknown) => void
  done: boolean
  timer: NodeJS.Timeout | null
  signal: AbortSignal | undefined
  onAbort: (() => void) | null
}

/**
 * A fair (FIFO, no barging) counting semaphore with a bounded wait queue. A waiter whose time runs
 * out or whose signal fires leaves the queue with LlmTimeoutError (phase "queue") or the signal's
 * reason; a full queue refuses at once with LlmQueueFullError.
 */
export function createSemaphore (limit: number, maxQueue: number, onChange: () => void = () => {}): Semaphore {
  let inFlight = 0
  let waiting = 0
  let queue: Waiter[] = []
  let head = 0

  const finish = (w: Waiter): void => {
    w.done = true
    waiting--
    if (w.timer) clearTimeout(w.timer)
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort)
  }

  const makeRelease = (): Release => {
    let released = false
    return () => {
      if (released) return
      released = true
      inFlight--
      while (head < queue.length) {
        const w = queue[head++] as Waiter
        if (w.done) continue
        finish(w)
        inFlight++
        w.resolve(makeRelease())
        break
      }
      if (head > 1024 && head * 2 > queue.length) { queue = queue.slice(head); head = 0 }
      onChange()
    }
  }

  const acquire = (opts: AcquireOptions): Promise<Release> => {
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason)
    if (inFlight < limit && waiting === 0) {
      inFlight++
      onChange()
      return Promise.resolve(makeRelease())
    }
    if (waiting >= maxQueue) return Promise.reject(new LlmQueueFullError(maxQueue))
    if (opts.waitMs <= 0) return Promise.reject(new LlmTimeoutError(opts.budgetMs, 'queue'))
    return new Promise<Release>((resolve, reject) => {
      const w: Waiter = { resolve, reject, done: false, timer: null, signal: opts.signal, onAbort: null }
      w.timer = setTimeout(() => {
        if (w.done) return
        finish(w)
        onChange()
        reject(new LlmTimeoutError(opts.budgetMs, 'queue'))
      }, opts.waitMs)
      if (opts.signal) {
        const signal = opts.signal
        w.onAbort = () => {
          if (w.done) return
          finish(w)
          onChange()
          reject(signal.reason)
        }
        signal.addEventListener('abort', w.onAbort, { once: true })
      }
      queue.push(w)
      waiting++
      onChange()
    })
  }

  return {
    acquire,
    get inFlight () { return inFlight },
    get waiting () { return waiting },
  }
}
