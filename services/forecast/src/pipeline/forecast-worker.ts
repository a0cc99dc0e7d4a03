import { setTimeout as sleep } from 'node:timers/promises'
import type { Db } from '@pulsetrade/db'
import type { Logger } from 'pino'
import { createBarsRepo } from '../bars/bars-repo'
import type { ForecastModel } from '../models/model'
import type { OutageOptions } from './backlog-pause'
import { createBarPoller } from './bar-poller'
import { createBarScheduler } from './bar-scheduler'
import type { EnrichForecast } from './enrich-forecast'
import { createForecastsRepo } from './forecasts-repo'
import type { ForecastMetrics } from './forecast-metrics'
import { createForecastWriter, type PlaceOrder } from './forecast-writer'
import { createJobsRepo } from './jobs-repo'
import { createLeaseHeartbeat } from './lease-heartbeat'
import { createOutageRecovery } from './outage-recovery'
import type { SizingRule } from './propose-order'

export interface WorkerOptions {
  db: Db
  logger: Logger
  metrics: ForecastMetrics
  model: ForecastModel
  horizon: number
  /** Bars of history (the asof bar included) a bar needs to be forecast. */
  minBars: number
  sizing: SizingRule
  enrich: EnrichForecast
  placeOrder: PlaceOrder
  workerId: string
  leaseMs: number
  /** Bars being forecast and asked to the LLM at once. Two LLM calls per bar: 2× this ≥ the LLM slots keeps them busy. */
  concurrency: number
  /** Claim only when this many bars fit (fewer, larger claims). */
  claimBatch: number
  pollMs: number
  flushMs: number
  flushMax: number
  maxAttempts: number
  retryMs: number
  onProgress?: (p: { done: number; failed: number }) => void
  /** Outage recovery (backlog-pause.ts): without it the worker never pauses, but still re-enriches marked rows. */
  outage?: OutageOptions
  /** Marked rows re-enriched at once once Lexi answers. @default 8 */
  reenrichConcurrency?: number
  /** The clock of the poll interval, lease waits and the run's duration. @default Date.now */
  now?: () => number
}

export interface RunSummary {
  done: number
  failed: number
  seconds: number
  perSecond: number
  resolved: number
}

/**
 * The forecast worker: enqueue eligible bars, claim them through Postgres, and per bar compute the
 * forecast, ask the LLM (rationale + policy), then hand the row to the batching writer. Any number
 * of workers can run against one database. The parts: bar-poller.ts (enqueue and resolve),
 * bar-scheduler.ts (claim and run bars), lease-heartbeat.ts (leases of the bars in flight),
 * outage-recovery.ts (Lexi outages) and forecast-writer.ts (batched writes); this file is the loop.
 */
export function createForecastWorker(o: WorkerOptions) {
  const now = o.now ?? Date.now
  const log = o.logger.child({ component: 'forecast-worker', worker: o.workerId })
  const jobs = createJobsRepo(o.db, { workerId: o.workerId, leaseMs: o.leaseMs })
  const mv = o.model.version
  const outage = createOutageRecovery({
    db: o.db,
    jobs,
    enrich: o.enrich,
    logger: log,
    metrics: o.metrics,
    outage: o.outage,
    reenrichConcurrency: o.reenrichConcurrency ?? 8,
    leaseMs: o.leaseMs,
    retryMs: o.retryMs,
    maxAttempts: o.maxAttempts,
    pollMs: o.pollMs,
  })
  const writer = createForecastWriter({
    db: o.db,
    jobs,
    placeOrder: outage.guard(o.placeOrder),
    logger: o.logger,
    metrics: o.metrics,
    flushMs: o.flushMs,
    flushMax: o.flushMax,
  })
  const poller = createBarPoller({
    jobs,
    forecasts: createForecastsRepo(o.db),
    metrics: o.metrics,
    logger: log,
    modelVersion: mv,
    horizon: o.horizon,
    minBars: o.minBars,
    pollMs: o.pollMs,
    now,
  })
  let stopping = false
  const wake = new AbortController()
  /** Sleeps, but returns at once when stop() is called. */
  const nap = (ms: number): Promise<void> => sleep(ms, undefined, { signal: wake.signal }).catch(() => {})
  // One bar scheduler and lease set for the worker's life: run() and runOnce() never overlap.
  const leases = createLeaseHeartbeat({ jobs, leaseMs: o.leaseMs, logger: log })
  const bars = createBarScheduler({
    jobs,
    bars: createBarsRepo(o.db),
    writer,
    leases,
    outage,
    enrich: o.enrich,
    model: o.model,
    sizing: o.sizing,
    metrics: o.metrics,
    logger: log,
    concurrency: o.concurrency,
    claimBatch: o.claimBatch,
    flushMax: o.flushMax,
    maxAttempts: o.maxAttempts,
    retryMs: o.retryMs,
    onProgress: o.onProgress,
  })

  async function loop(once: boolean): Promise<RunSummary> {
    const started = now()
    leases.start()
    let resolved = 0
    let errors = 0

    /** One turn of the loop; returns false when a --once run is finished. */
    const turn = async (): Promise<boolean> => {
      if (!once) resolved += await poller.pollIfDue()
      await outage.tick(async () => {
        const p = await jobs.pending(mv)
        o.metrics.pending.set(p.count)
        return p.count
      })
      outage.maybeReenrich(() => stopping)
      if ((await bars.claim(mv)) === 'room') return true
      if (bars.inFlight() > 0) {
        await bars.next()
        return true
      }
      // Idle: nothing claimable and nothing in flight.
      await writer.flush()
      const pending = await jobs.pending(mv)
      o.metrics.pending.set(pending.count)
      if (once && pending.count === 0) {
        await outage.finishOnce(() => stopping)
        return false
      }
      // Paused: short naps, so the circuit's half-open probe and new live bars are seen soon.
      if (outage.pause.active()) {
        await nap(Math.min(200, o.pollMs))
        return true
      }
      // Wait for the next poll, or for a lease held elsewhere (a live worker, or a dead one's) to run out.
      const untilPoll = once ? o.pollMs : poller.untilPoll()
      const untilLease = pending.nextFreeAt ? pending.nextFreeAt.getTime() - now() + 50 : Infinity
      await nap(Math.max(once ? 50 : 0, Math.min(untilPoll, untilLease)))
      return true
    }

    try {
      await poller.enqueue(true)
      while (!stopping) {
        try {
          if (!(await turn())) break
          errors = 0
        } catch (err) {
          // Postgres restarting, a network blip: back off and carry on (a --once run gives up after 10 in a row).
          errors++
          log.error({ err, errors }, 'worker loop error')
          if (once && errors >= 10) throw err
          await nap(Math.min(o.pollMs * errors, 30_000))
        }
      }
      await bars.drain()
      await writer.flush()
      await outage.settle()
      resolved += await poller.resolveAll()
    } finally {
      leases.stop()
    }
    const seconds = (now() - started) / 1000
    const { done, failed } = bars.counts()
    return { done, failed, seconds, perSecond: seconds > 0 ? done / seconds : 0, resolved }
  }

  return {
    /** Processes everything pending (waiting out other workers' leases), resolves, and returns. */
    runOnce: () => loop(true),
    /** Keeps processing new bars until stop(). */
    run: () => loop(false),
    /** Lets in-flight bars finish and the writer flush; run()/runOnce() then return. */
    stop: () => {
      stopping = true
      wake.abort()
    },
    status: () => ({ ...bars.counts(), stopping }),
    /** Whether the backlog waits for Lexi now, and how many bars it gave back. */
    outage: () => outage.pause.status(),
    /** `forecast re-enrich`: fills in marked rows now (the caller marks them first). */
    reenricher: outage.reenricher,
  }
}
export type ForecastWorker = ReturnType<typeof createForecastWorker>
