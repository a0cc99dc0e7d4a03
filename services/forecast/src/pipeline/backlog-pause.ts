import { failReasonOf, type FeaturesLlm, type LlmResult } from '@pulsetrade/llm'
import type { Logger } from 'pino'
import type { ForecastMetrics } from './forecast-metrics'

/** Error codes that mean Lexi is not answering (what the client's circuit breaker counts), not a bad answer. */
const OUTAGE_CODES = new Set(['LLM_ERR_UNREACHABLE', 'LLM_ERR_TIMEOUT', 'LLM_ERR_CIRCUIT_OPEN', 'LLM_ERR_UPSTREAM', 'LLM_ERR_RATE_LIMIT'])

/** The fail reason of a result that failed because Lexi did not answer, else null. */
export function outageOf(r: Pick<LlmResult<unknown>, 'ok' | 'error'>): string | null {
  if (r.ok || !r.error || !OUTAGE_CODES.has(r.error.code)) return null
  return failReasonOf(r.error)
}

/** Why features.llm lacks an answer because of an outage (policy first, then rationale), else null. */
export const outageReason = (llm: Pick<FeaturesLlm, 'rationale' | 'policy'>): string | null => outageOf(llm.policy) ?? outageOf(llm.rationale)

/** What the worker needs to pause its backlog during a Lexi outage (built in forecast-runtime.ts). */
export interface OutageOptions {
  /** FORECAST_OUTAGE_PAUSE: hold backlog bars while Lexi is down (false: write them fail-closed, as live bars). */
  pause: boolean
  /**
   * A bar is live while wall-clock now − asof ≤ this: the price-freshness limit of the risk checks
   * (RISK_MAX_PRICE_AGE_MS). Older bars are too old to trade and can wait for Lexi.
   */
  maxPriceAgeMs: number
  /** True while no upstream's circuit is closed (open or half-open: Lexi is not answering). */
  lexiDown: () => boolean
  /** The circuit would let a request through now (closed, or half-open with its probe slot free). */
  mayProbe: () => boolean
  /** One small call through the client and its circuit breaker (the half-open probe); true when Lexi answered. */
  probe: () => Promise<boolean>
  now?: () => number
}

/** Never pauses: for workers built without outage options (tests, benches). */
const NO_OUTAGE: OutageOptions = { pause: false, maxPriceAgeMs: Infinity, lexiDown: () => false, mayProbe: () => true, probe: async () => true }

/**
 * The backlog pause of one worker. While Lexi is down (its circuit open), bars too old to trade
 * are given back without a row and the worker claims only live bars; each tick, once the circuit
 * half-opens, one probe goes through the client, and the first answer resumes the backlog.
 */
export function createBacklogPause(o: OutageOptions | undefined, deps: { logger: Logger; metrics: ForecastMetrics }) {
  const opts = o ?? NO_OUTAGE
  const now = opts.now ?? Date.now
  const log = deps.logger.child({ component: 'backlog-pause' })
  let since: number | null = null
  let held = 0
  let live = 0
  let probes = 0
  let lastReport = 0
  let probing = false
  let answered = false

  const isLive = (asof: Date): boolean => now() - asof.getTime() <= opts.maxPriceAgeMs
  const active = (): boolean => since != null

  function enter(reason: string): void {
    if (since != null) return
    since = now()
    lastReport = since
    held = 0
    live = 0
    probes = 0
    deps.metrics.paused.set(1)
    deps.metrics.pauses.inc()
    log.warn(
      { reason, live_after: new Date(now() - opts.maxPriceAgeMs).toISOString() },
      'Lexi unreachable: backlog paused, only live bars are decided (fail-closed) until it answers',
    )
  }

  function exit(how: string): void {
    if (since == null) return
    answered = false
    log.info({ paused_ms: now() - since, held, live_written: live, probes, how }, 'Lexi answers again: backlog resumed')
    since = null
    deps.metrics.paused.set(0)
  }

  return {
    isLive,
    active,
    /** Lexi is not answering now (no circuit closed). */
    lexiDown: (): boolean => opts.lexiDown(),
    /** Claim filter while paused: bars at or after this are live. */
    liveFrom: (): Date => new Date(now() - opts.maxPriceAgeMs),
    /**
     * Whether a computed bar goes back to the queue instead of being written: its answer failed
     * because Lexi is down, it is too old to trade, and pausing is on. Enters the pause.
     */
    shouldHold(asof: Date, llm: Pick<FeaturesLlm, 'rationale' | 'policy'>): boolean {
      const reason = outageReason(llm)
      if (reason == null || !opts.pause || isLive(asof)) return false
      if (since == null && !opts.lexiDown()) return false
      enter(reason)
      return true
    },
    /** A bar given back (held), or a live bar written fail-closed, during the pause. */
    noteHeld: (): void => {
      held++
      deps.metrics.held.inc()
    },
    noteLive: (): void => {
      if (since != null) live++
    },
    /** Something else (the re-enricher) saw Lexi down: pause too. */
    enter: (reason: string): void => {
      if (opts.pause) enter(reason)
    },
    /**
     * While paused: probes Lexi through the client when its circuit lets a request through (single
     * flight). Resolves true when the backlog resumed. `waiting` feeds the periodic log line.
     */
    async tick(waiting?: () => Promise<number>): Promise<boolean> {
      if (since == null) return false
      if (now() - lastReport >= 10_000) {
        lastReport = now()
        const n = waiting ? await waiting().catch(() => null) : null
        log.warn({ paused_ms: now() - since, held, live_written: live, probes, waiting: n }, 'backlog still paused: Lexi unreachable')
      }
      if (answered || !opts.lexiDown()) {
        exit(answered ? 'probe answered' : 'circuit closed')
        return true
      }
      // The probe runs in the background: the worker keeps deciding live bars meanwhile.
      if (!probing && opts.mayProbe()) {
        probing = true
        probes++
        opts
          .probe()
          .then(
            (ok) => {
              if (ok && since != null) answered = true
            },
            () => {},
          )
          .finally(() => {
            probing = false
          })
      }
      return false
    },
    status: () => ({ paused: since != null, since: since == null ? null : new Date(since).toISOString(), held, live_written: live, probes }),
  }
}
export type BacklogPause = ReturnType<typeof createBacklogPause>
