import Denque from 'denque'
import { LlmQueueFullError, LlmTimeoutError } from './errors'
import { CLASS_ORDER, PRIORITY_CLASSES, type LlmPriorityClass } from './priority-class'

/** Gives back the slot; calling it more than once is harmless. */
export type Release = () => void

export interface AcquireOptions {
  /** Milliseconds this caller may still wait. */
  waitMs: number
  /** The call's whole budget, for the timeout message. */
  budgetMs: number
  signal?: AbortSignal
  /** @default 'batch' */
  cls?: LlmPriorityClass
}

/** Per-process budgets per class (resolved, see client-options.ts). */
export interface ClassBudgets {
  /** Most slots interactive (chat) calls may hold at once. */
  interactive: number
  /** Most slots batch calls may hold at once. */
  batch: number
  /** Slots interactive calls never take: the last `reserved` free slots stay for everybody else. */
  reserved: number
  /** Slots of the health probe on top of `limit`, so a probe never waits behind the queue. */
  health: number
}

export interface Semaphore {
  acquire: (opts: AcquireOptions) => Promise<Release>
  /** A slot now when one is free and nobody of `cls` waits (what acquire does first), else null: no promise, no signal. */
  tryAcquire: (cls: LlmPriorityClass) => Release | null
  /** Slots held (health's own slots included). */
  readonly inFlight: number
  readonly waiting: number
  /** Held and waiting per class. */
  byClass: () => Record<LlmPriorityClass, { inFlight: number; waiting: number }>
}

interface Waiter {
  resolve: (r: Release) => void
  reject: (e: unknown) => void
  cls: LlmPriorityClass
  done: boolean
  timer: NodeJS.Timeout | null
  signal: AbortSignal | undefined
  onAbort: (() => void) | null
}

/** FIFO of a class (denque); a waiter that timed out or was aborted stays in it, marked done, until it reaches the front. */
interface ClassQueue {
  items: Denque<Waiter>
  waiting: number
  inFlight: number
}

const UNLIMITED: ClassBudgets = { interactive: Infinity, batch: Infinity, reserved: 0, health: 0 }

/**
 * A counting semaphore of `limit` slots shared by priority classes, with a bounded wait queue.
 * A freed slot goes to the most urgent class that may take it (health, trading, forecast,
 * interactive, batch), first come first served within a class; nobody barges past a waiter of its
 * own class. Interactive calls hold at most `budgets.interactive` slots and never one of the last
 * `budgets.reserved` free ones; batch calls at most `budgets.batch`. The health probe has
 * `budgets.health` slots of its own beyond `limit`. A waiter whose time runs out or whose signal
 * fires leaves with LlmTimeoutError (phase "queue") or the signal's reason; a full queue refuses at
 * once with LlmQueueFullError.
 */
export function createSemaphore(limit: number, maxQueue: number, budgets: ClassBudgets = UNLIMITED, onChange: () => void = () => {}): Semaphore {
  let general = 0 // slots of `limit` held
  let healthOwn = 0 // health's own slots held
  let waiting = 0
  const queues = {} as Record<LlmPriorityClass, ClassQueue>
  for (const c of PRIORITY_CLASSES) queues[c] = { items: new Denque<Waiter>(), waiting: 0, inFlight: 0 }
  const order = [...PRIORITY_CLASSES].sort((a, b) => CLASS_ORDER[a] - CLASS_ORDER[b])

  /** Which pool a call of `cls` would take a slot from now, or null when it must wait. */
  const poolFor = (cls: LlmPriorityClass): 'general' | 'health' | null => {
    const free = limit - general
    if (cls === 'health') return healthOwn < budgets.health ? 'health' : free > 0 ? 'general' : null
    if (free <= 0) return null
    if (cls === 'interactive') return queues.interactive.inFlight < budgets.interactive && free > budgets.reserved ? 'general' : null
    if (cls === 'batch') return queues.batch.inFlight < budgets.batch ? 'general' : null
    return 'general'
  }

  const take = (cls: LlmPriorityClass, pool: 'general' | 'health'): Release => {
    if (pool === 'general') general++
    else healthOwn++
    queues[cls].inFlight++
    let released = false
    return () => {
      if (released) return
      released = true
      if (pool === 'general') general--
      else healthOwn--
      queues[cls].inFlight--
      pump()
      onChange()
    }
  }

  const finish = (w: Waiter): void => {
    w.done = true
    waiting--
    queues[w.cls].waiting--
    if (w.timer) clearTimeout(w.timer)
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort)
  }

  /** Admits waiters, most urgent class first, while a slot they may take is free. */
  const pump = (): void => {
    if (waiting === 0) return
    for (const cls of order) {
      const q = queues[cls]
      while (q.waiting > 0) {
        const pool = poolFor(cls)
        if (pool === null) break
        const w = q.items.shift() as Waiter
        if (w.done) continue
        finish(w)
        w.resolve(take(cls, pool))
      }
      if (q.waiting === 0 && !q.items.isEmpty()) q.items.clear()
    }
  }

  const tryAcquire = (cls: LlmPriorityClass): Release | null => {
    // No barging: a caller only skips the queue when nobody of its class waits. Waiters of other
    // classes are never admissible here (pump runs on every release), so they lose nothing.
    if (queues[cls].waiting !== 0) return null
    const pool = poolFor(cls)
    if (pool === null) return null
    const release = take(cls, pool)
    onChange()
    return release
  }

  const acquire = (opts: AcquireOptions): Promise<Release> => {
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason)
    const cls = opts.cls ?? 'batch'
    const q = queues[cls]
    const now = tryAcquire(cls)
    if (now !== null) return Promise.resolve(now)
    if (waiting >= maxQueue) return Promise.reject(new LlmQueueFullError(maxQueue))
    if (opts.waitMs <= 0) return Promise.reject(new LlmTimeoutError(opts.budgetMs, 'queue'))
    return new Promise<Release>((resolve, reject) => {
      const w: Waiter = { resolve, reject, cls, done: false, timer: null, signal: opts.signal, onAbort: null }
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
      q.items.push(w)
      q.waiting++
      waiting++
      onChange()
    })
  }

  return {
    acquire,
    tryAcquire,
    get inFlight() {
      return general + healthOwn
    },
    get waiting() {
      return waiting
    },
    byClass: () => {
      const out = {} as Record<LlmPriorityClass, { inFlight: number; waiting: number }>
      for (const c of PRIORITY_CLASSES) out[c] = { inFlight: queues[c].inFlight, waiting: queues[c].waiting }
      return out
    },
  }
}
