import type { LlmClient, PromptRegistry } from '../types'

/**
 * ok: Lexi replied "OK". saturated: Lexi is busy but answering (the probe ran out of time while
 * other calls were being answered): healthy, just slow. down: refused, wedged, wrong reply.
 */
export type HealthState = 'ok' | 'saturated' | 'down'

/** One probe of Lexi through the `health` prompt. */
export interface HealthSnapshot {
  ok: boolean
  state: HealthState
  model: string
  latency_ms: number
  /** Epoch ms of the end of the probe. */
  checked_at: number
  error: string | null
  /** The client's own queue when the probe ended (null when the client does not say). */
  queue: { in_flight: number; waiting: number } | null
  /** The client's upstream-failure count when the probe ended: a later failure makes a success stale. */
  failures: number
}

export interface HealthProbeOptions {
  llm: Pick<LlmClient, 'health'> & Partial<Pick<LlmClient, 'upstreamFailures'>>
  prompts: Pick<PromptRegistry, 'render'>
  model: string
  /** How long a successful probe is reused (unless a real call fails meanwhile). */
  ttlMs: number
  /** How long a failed or saturated probe is reused (shorter, so recovery shows quickly). */
  failTtlMs: number
  timeoutMs: number
  now?: () => number
}

export interface HealthProbe {
  check: () => Promise<{ snapshot: HealthSnapshot; cached: boolean }>
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err)) || 'unknown error'

/**
 * Cached, single-flight health probe: within the TTL callers get the last snapshot (cached:true);
 * otherwise every concurrent caller awaits the same upstream request. A success is dropped as soon
 * as any real call of the same client sees an upstream failure, so a dead Lexi never looks healthy
 * for the rest of the TTL.
 */
export function createHealthProbe(opts: HealthProbeOptions): HealthProbe {
  const now = opts.now ?? Date.now
  const failures = (): number => opts.llm.upstreamFailures?.() ?? 0
  let last: HealthSnapshot | null = null
  let inflight: Promise<HealthSnapshot> | null = null

  async function probe(): Promise<HealthSnapshot> {
    const started = now()
    try {
      const r = await opts.llm.health(opts.prompts.render('health', {}), { timeoutMs: opts.timeoutMs })
      const state: HealthState = r.state ?? (r.ok ? 'ok' : 'down')
      const error = state !== 'down' ? null : (r.error ?? `reply was ${JSON.stringify(r.reply ?? '')}`)
      return {
        ok: state !== 'down',
        state,
        model: r.model || opts.model,
        latency_ms: Math.round(r.latency_ms),
        checked_at: now(),
        error,
        queue: r.queue ?? null,
        failures: failures(),
      }
    } catch (err) {
      // health() reports failures in its result; a throw here is a bug or a render error.
      return {
        ok: false,
        state: 'down',
        model: opts.model,
        latency_ms: now() - started,
        checked_at: now(),
        error: describe(err),
        queue: null,
        failures: failures(),
      }
    }
  }

  const fresh = (s: HealthSnapshot): boolean => {
    if (s.state === 'ok' && failures() > s.failures) return false
    return now() - s.checked_at < (s.state === 'ok' ? opts.ttlMs : opts.failTtlMs)
  }

  return {
    async check() {
      if (last !== null && fresh(last)) return { snapshot: last, cached: true }
      inflight ??= probe()
        .then((s) => {
          last = s
          return s
        })
        .finally(() => {
          inflight = null
        })
      return { snapshot: await inflight, cached: false }
    },
  }
}
