/**
 * What a request needs of the thing that can abort it. A call scope implements it without an
 * AbortController: a controller and its EventTarget listeners cost ~3 µs per call (bench B2), so
 * the scope makes a signal only when something asks for one (a stream, a wait in the queue, a
 * retry's back-off).
 */
export interface AbortHook {
  readonly aborted: boolean
  readonly reason: unknown
  /** Calls `fn` with the reason when the source aborts (never after that); returns the unsubscribe. */
  onAbort: (fn: (reason: unknown) => void) => () => void
  /** The same source as an AbortSignal, for APIs that take one. */
  readonly signal: AbortSignal
}

/** An AbortHook over an existing AbortSignal. */
export function signalHook(signal: AbortSignal): AbortHook {
  return {
    get aborted() {
      return signal.aborted
    },
    get reason() {
      return signal.reason as unknown
    },
    onAbort: (fn) => {
      const listener = (): void => fn(signal.reason)
      signal.addEventListener('abort', listener, { once: true })
      return () => signal.removeEventListener('abort', listener)
    },
    signal,
  }
}
