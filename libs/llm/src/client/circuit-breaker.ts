import type { LlmErrorCode } from './error-table'

export type CircuitState = 'closed' | 'open' | 'half_open'

/** Proof that a request was let through; `probe` marks the single half-open trial request. */
export interface CircuitTicket {
  probe: boolean
}

/** Why a circuit is open: the run of consecutive failures that (re-)opened it. */
export interface CircuitOpening {
  /** Error code of the last failure of the run, the one that opened the circuit (e.g. LLM_ERR_TIMEOUT). */
  code: LlmErrorCode
  /** Consecutive failures since the last success (the threshold, plus failed half-open probes). */
  failures: number
  /** How many of those, counted back from the last, had that same code. */
  sameCode: number
  /** Clock time (`now()`) of the opening. */
  at: number
}

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
  /** Timeout, connection failure or 5xx (its error code): counts towards opening; a failed probe re-opens. */
  onFailure: (ticket: CircuitTicket, code: LlmErrorCode) => void
  /** Ended without saying anything about the upstream (caller aborted): frees the probe slot. */
  onNeutral: (ticket: CircuitTicket) => void
  /** Why the circuit is open or half-open (the failures that last opened it); null while closed. */
  openedBy: () => CircuitOpening | null
}

/** A consecutive-failure circuit breaker for one upstream, on an injectable clock. */
export function createCircuitBreaker(opts: CircuitBreakerOptions): CircuitBreaker {
  let state: CircuitState = 'closed'
  // Consecutive failures since the last success (while closed, the count that opens the circuit).
  let run = 0
  let lastCode: LlmErrorCode = 'LLM_ERR'
  let sameCode = 0
  let opening: CircuitOpening | null = null
  let openedAt = 0
  let probing = false

  const set = (next: CircuitState): void => {
    if (next === state) return
    state = next
    opts.onStateChange?.(next)
  }
  const cooled = (): boolean => opts.now() - openedAt >= opts.cooldownMs
  const open = (): void => {
    openedAt = opts.now()
    opening = { code: lastCode, failures: run, sameCode, at: openedAt }
    set('open')
  }

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
      run = 0
      sameCode = 0
      opening = null
      set('closed')
    },
    onFailure: (ticket, code) => {
      if (ticket.probe) probing = false
      // Requests still in flight when the circuit opened end in the open state: they say nothing new.
      if (state === 'open') return
      run++
      sameCode = code === lastCode ? sameCode + 1 : 1
      lastCode = code
      // A failed half-open probe re-opens at once; while closed, the threshold opens.
      if (state === 'half_open' || run >= opts.failureThreshold) open()
    },
    onNeutral: (ticket) => {
      if (ticket.probe) probing = false
    },
    openedBy: () => (state === 'closed' ? null : opening),
  }
}
