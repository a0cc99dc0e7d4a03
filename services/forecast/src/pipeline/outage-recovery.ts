import type { Db } from '@pulsetrade/db'
import type { Logger } from 'pino'
import { createBacklogPause, outageReason, type OutageOptions } from './backlog-pause'
import type { EnrichForecast } from './enrich-forecast'
import type { ForecastMetrics } from './forecast-metrics'
import type { PlaceOrder } from './forecast-writer'
import type { ForecastRow } from './forecasts-repo'
import type { ClaimedJob, JobsRepo } from './jobs-repo'
import { createReenricher } from './re-enrich'

export interface OutageRecoveryOptions {
  db: Db
  jobs: JobsRepo
  enrich: EnrichForecast
  logger: Logger
  metrics: ForecastMetrics
  outage?: OutageOptions
  reenrichConcurrency: number
  leaseMs: number
  retryMs: number
  maxAttempts: number
  /** Re-enrichment passes start at most once per this interval. */
  pollMs: number
}

/**
 * The forecast worker's side of a Lexi outage (docs/forecast.md "Outages"): the backlog pause,
 * the re-enrichment passes in the background, and the rule that no order comes from a late answer.
 */
export function createOutageRecovery(o: OutageRecoveryOptions) {
  const log = o.logger
  const pause = createBacklogPause(o.outage, { logger: log, metrics: o.metrics })
  const reenricher = createReenricher({
    db: o.db,
    enrich: o.enrich,
    logger: log,
    metrics: o.metrics,
    concurrency: o.reenrichConcurrency,
    leaseMs: o.leaseMs,
    retryMs: o.retryMs,
    maxAttempts: o.maxAttempts,
  })
  let reRun: Promise<void> | null = null
  let reNext = 0

  return {
    pause,
    reenricher,

    /** No order is ever placed from a late answer: a re-enriched row keeps the order decided when it was written. */
    guard:
      (placeOrder: PlaceOrder): PlaceOrder =>
      async (p) => {
        if (p.features.late != null) {
          log.warn({ forecastId: p.forecastId }, 'no order placed from a late LLM answer')
          return 'late_refused'
        }
        return placeOrder(p)
      },

    /**
     * Before a row is written: a bar too old to trade whose answer failed because Lexi is down goes
     * back to the queue ('held', no row); a row written without Lexi's answer is marked for
     * re-enrichment; anything else is written as it is.
     */
    async triage(job: ClaimedJob, row: ForecastRow | null): Promise<'held' | 'write'> {
      if (row == null) return 'write'
      if (pause.shouldHold(job.asof, row.features.llm)) {
        await o.jobs.hold([job])
        pause.noteHeld()
        return 'held'
      }
      const reason = outageReason(row.features.llm)
      if (reason != null) {
        await o.jobs.markReenrich(job, reason)
        o.metrics.reenrichMarked.inc()
        pause.noteLive()
      }
      return 'write'
    },

    /** While paused: probe (through the client) and resume; a resume starts re-enrichment at once. */
    async tick(waiting: () => Promise<number>): Promise<void> {
      if (pause.active() && (await pause.tick(waiting))) reNext = 0
    },

    /** Claim filter: only live bars while the backlog is paused. */
    claimFilter: (): { asofFrom: Date } | undefined => (pause.active() ? { asofFrom: pause.liveFrom() } : undefined),

    /** Starts a background re-enrichment pass when Lexi answers, none runs, and the interval has passed. */
    maybeReenrich(stopping: () => boolean): void {
      if (reRun != null || stopping() || pause.active() || pause.lexiDown() || Date.now() < reNext) return
      reRun = reenricher
        .drain({ shouldStop: () => stopping() || pause.active() })
        .then(
          (s) => {
            if (s.outage != null) pause.enter(s.outage)
          },
          (err: unknown) => {
            log.error({ err }, 're-enrichment pass failed')
          },
        )
        .finally(() => {
          reRun = null
          reNext = Date.now() + o.pollMs
        })
    },

    /** End of a --once run: the marked rows are filled in before it returns, if Lexi answers. */
    async finishOnce(stopping: () => boolean): Promise<void> {
      if (reRun != null) await reRun
      if (!pause.active() && !pause.lexiDown()) await reenricher.drain({ shouldStop: stopping })
    },

    /** Waits for a running re-enrichment pass. */
    settle: async (): Promise<void> => {
      if (reRun != null) await reRun
    },
  }
}
export type OutageRecovery = ReturnType<typeof createOutageRecovery>
