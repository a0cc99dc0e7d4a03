import { LlmAbortedError, LlmTimeoutError, type TimeoutPhase } from './errors'
import type { CallOptions } from '../types'
import type { AbortHook } from './abort-hook'

/**
 * One call's total deadline and its abort source. It aborts with an LlmTimeoutError when the
 * deadline passes (whatever the call is doing: queued, waiting for headers, streaming, backing off)
 * or with an LlmAbortedError when the caller's own signal fires. Everything the call does listens to
 * this one source (`onAbort`, or `signal`, made on first use), so an abort also closes the socket
 * and frees the upstream's slot.
 */
export interface CallScope extends AbortHook {
  /** Epoch ms (on the client's clock) after which nothing more is attempted. */
  readonly deadline: number
  /** The whole budget in ms, for messages ("timeout after 2000 ms"). */
  readonly budgetMs: number
  readonly start: number
  /** What the call is doing now; names the timeout's phase. */
  phase: TimeoutPhase
  remaining: () => number
  /** Aborts the call now with `reason` (e.g. a stream idle timeout). */
  abort: (reason: unknown) => void
  /** Clears the timer and listeners. Call when the call is over. */
  dispose: () => void
}

export function createCallScope(opts: CallOptions | undefined, defaultTimeoutMs: number, now: () => number): CallScope {
  const start = now()
  const deadline = opts?.deadline ?? start + (opts?.timeoutMs ?? defaultTimeoutMs)
  const budgetMs = Math.max(0, Math.round(deadline - start))
  let aborted = false
  let reason: unknown
  let controller: AbortController | null = null
  let hooks: Array<(reason: unknown) => void> = []
  const fire = (r: unknown): void => {
    if (aborted) return
    aborted = true
    reason = r
    controller?.abort(r)
    const pending = hooks
    hooks = []
    for (const fn of pending) fn(r)
  }
  const callerSignal = opts?.signal
  const onCallerAbort = (): void => {
    fire(new LlmAbortedError({ cause: callerSignal?.reason }))
  }

  const scope: CallScope = {
    get aborted() {
      return aborted
    },
    get reason() {
      return reason
    },
    get signal() {
      if (controller === null) {
        controller = new AbortController()
        if (aborted) controller.abort(reason)
      }
      return controller.signal
    },
    onAbort: (fn) => {
      if (aborted) return () => {}
      hooks.push(fn)
      return () => {
        const i = hooks.indexOf(fn)
        if (i >= 0) hooks.splice(i, 1)
      }
    },
    deadline,
    budgetMs,
    start,
    phase: 'request',
    remaining: () => deadline - now(),
    abort: fire,
    dispose: () => {
      clearTimeout(timer)
      callerSignal?.removeEventListener('abort', onCallerAbort)
    },
  }
  const timer = setTimeout(
    () => {
      fire(new LlmTimeoutError(budgetMs, scope.phase))
    },
    Math.max(0, deadline - start),
  )
  if (callerSignal?.aborted) onCallerAbort()
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true })
  return scope
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(t)
      reject(signal.reason)
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
