export interface AuthFailureThrottle {
  /** Whether `key` is over its limit now; `first` is true once per window (audit that one). */
  check: (key: string) => { limited: boolean; retryAfterMs: number; first: boolean }
  /** Counts one failed attempt for `key`. */
  fail: (key: string) => void
}

/**
 * Failed authentications per key (the client address) in a fixed window: after `max` failures the
 * key is refused until its window ends. In memory, per process; keys are dropped when their window
 * ends, and at most `maxKeys` are tracked (the oldest windows go first).
 */
export function createAuthFailureThrottle(opts: { max: number; windowMs: number; maxKeys?: number; now?: () => number }): AuthFailureThrottle {
  if (!(opts.max >= 1) || !(opts.windowMs > 0)) throw new RangeError('max must be >= 1 and windowMs > 0')
  const now = opts.now ?? Date.now
  const maxKeys = opts.maxKeys ?? 10_000
  const windows = new Map<string, { start: number; failures: number; reported: boolean }>()
  const current = (key: string): { start: number; failures: number; reported: boolean } | undefined => {
    const w = windows.get(key)
    if (w && now() - w.start >= opts.windowMs) {
      windows.delete(key)
      return undefined
    }
    return w
  }
  return {
    check(key) {
      const w = current(key)
      if (!w || w.failures < opts.max) return { limited: false, retryAfterMs: 0, first: false }
      const first = !w.reported
      w.reported = true
      return { limited: true, retryAfterMs: Math.max(1, w.start + opts.windowMs - now()), first }
    },
    fail(key) {
      const w = current(key)
      if (w) {
        w.failures++
        return
      }
      if (windows.size >= maxKeys) windows.delete(windows.keys().next().value as string)
      windows.set(key, { start: now(), failures: 1, reported: false })
    },
  }
}
