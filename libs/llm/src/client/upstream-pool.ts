import type { CircuitTicket } from './circuit-breaker'
import type { UpstreamOpening } from './errors'
import type { Upstream } from './upstream'

export interface Pick {
  upstream: Upstream
  ticket: CircuitTicket
}

export interface UpstreamPool {
  readonly upstreams: readonly Upstream[]
  /** Whether any upstream would take a request now (else the call fails fast: circuit open). */
  anyAvailable: () => boolean
  /**
   * The least-in-flight upstream whose circuit lets a request through, preferring ones this call has
   * not tried yet (failover); ties rotate. Null when every circuit is open.
   */
  pick: (tried: ReadonlySet<Upstream>, opts?: { ignoreCircuit?: boolean }) => Pick | null
  /** Whether an upstream this call has not tried would take a request now. */
  hasUntried: (tried: ReadonlySet<Upstream>) => boolean
  /** Why each open (or half-open) circuit opened: what an LlmCircuitOpenError reports. */
  openings: () => UpstreamOpening[]
}

export function createUpstreamPool(upstreams: Upstream[]): UpstreamPool {
  let rotation = 0
  return {
    upstreams,
    anyAvailable: () => upstreams.some((u) => u.breaker.available()),
    hasUntried: (tried) => upstreams.some((u) => !tried.has(u) && u.breaker.available()),
    openings: () =>
      upstreams.flatMap((u) => {
        const o = u.breaker.openedBy()
        return o ? [{ upstream: u.label, ...o }] : []
      }),
    pick: (tried, opts) => {
      const available = upstreams.filter((u) => u.breaker.available())
      const open = opts?.ignoreCircuit && available.length === 0 ? upstreams : available
      const fresh = open.filter((u) => !tried.has(u))
      const pool = fresh.length > 0 ? fresh : open
      if (pool.length === 0) return null
      rotation = (rotation + 1) % upstreams.length
      let best: Upstream | null = null
      for (let i = 0; i < pool.length; i++) {
        const u = pool[(i + rotation) % pool.length] as Upstream
        if (!best || u.inFlight < best.inFlight) best = u
      }
      // A probe that ignores the circuit (health) neither takes nor reports to it.
      const ticket = opts?.ignoreCircuit ? { probe: false } : (best as Upstream).breaker.tryAcquire()
      return ticket ? { upstream: best as Upstream, ticket } : null
    },
  }
}
