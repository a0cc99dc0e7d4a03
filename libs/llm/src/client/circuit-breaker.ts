export type CircuitState = 'closed' | 'open' | 'half_open'

/** Proof that a request was let through; `probe` marks the single half-open trial request. */
export interface CircuitTicket { probe: boolean }

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. @default 5 */
  failureThreshold: number
  /** Time the circuit stays open before one probe is let through. @default 5000 */
  cooldownMs: number
  now: () => number
  onStateChange?: (state: CircuitState) => void
}

export interface CircuitBreaker {
  /** The state now (an open circuit whose cool-down passed reads as half_open). */
  state: () => CircuitState
  /** Whether tryAcquire would let a request through now, without taking the probe slot. */
  available: () => boolean
  /** Lets a request through (closed; or the one half-open probe), else null. */
  tryAcquire: () => CircuitTicket | null
  /** The upstream answered (2xx or a 4xx verdict): closes the circuit and resets the count. */
  onSuccess: (ticket: CircuitTicket) => void
  /** Timeout, connection failure or 5xx: counts towards opening; a failed probe re-opens. */
  onFailure: (ticket: CircuitTicket) => void
  /** Ended without saying anything about the upstream (caller aborted): frees the probe slot. */
  onNeutral: (ticket: CircuitTicket) => void
}

/** A consecutive-failure circuit breaker for one upstream, on an injectable clock. */
export function createCircuitBreaker (opts: CircuitBreakerOptions): CircuitBreaker {
  let state: CircuitState = 'closed'
  let failures = 0
  let openedAt = 0
  let probing = false

  const set = (next: CircuitState): void => {
    if (next === state) return
    state = next
    opts.onStateChange?.(next)
  }
  const cooled = (): boolean => opts.now() - openedAt >= opts.cooldownMs

  return {
    state: () => (state === 'open' && cooled() ? 'half_open' : state),
    available: () => state === 'closed' || (state === 'open' ? cooled() : !probing),
    tryAcquire: () => {
      if (state === 'closed') return { probe: false }
      if (state === 'open') {
        if (!cooled()) return null
        set('half_open')
      }
      if (probing) return null
      probing = true
      return { probe: true }
    },
    onSuccess: (ticket) => {
      if (ticket.probe) probing = false
      failures = 0
      set('closed')
    },
    onFailure: (ticket) => {
      if (ticket.probe) probing = false
      if (state === 'half_open') {
        openedAt = opts.now()
        set('open')
        return
      }
      if (state === 'open') return
      failures++
      if (failures >= opts.failureThreshold) {
        openedAt = opts.now()
        failures = 0
        set('open')
      }
    },
    onNeutral: (ticket) => { if (ticket.probe) probing = false },
  }
}
