import type { Logger } from 'pino'
import type { Bar } from '../bars/bar'
import type { BarsRepo } from '../bars/bars-repo'
import type { ForecastModel } from '../models/model'
import { MissingBarError } from '../errors'
import { buildForecastUnit } from './build-inputs'
import type { EnrichForecast } from './enrich-forecast'
import type { ForecastMetrics } from './forecast-metrics'
import type { ForecastWriter } from './forecast-writer'
import { keyString, type ForecastRow } from './forecasts-repo'
import type { ClaimedJob, JobsRepo } from './jobs-repo'
import type { LeaseHeartbeat } from './lease-heartbeat'
import { loadHistories } from './load-histories'
import type { OutageRecovery } from './outage-recovery'
import type { SizingRule } from './propose-order'

export interface BarSchedulerOptions {
  jobs: JobsRepo
  bars: BarsRepo
  writer: ForecastWriter
  leases: LeaseHeartbeat
  outage: Pick<OutageRecovery, 'triage' | 'claimFilter'>
  enrich: EnrichForecast
  model: ForecastModel
  sizing: SizingRule
  metrics: ForecastMetrics
  logger: Logger
  /** Bars being forecast and asked to the LLM at once. */
  concurrency: number
  /** Claim only when this many bars fit. */
  claimBatch: number
  flushMax: number
  maxAttempts: number
  retryMs: number
  onProgress?: (p: { done: number; failed: number }) => void
}

/**
 * Claim and schedule: claims bars when there is room, and runs each one — forecast, LLM, then the
 * batching writer. A bar is in `tasks` while it is forecast and asked to the LLM (bounded by
 * `concurrency`, so the LLM slots stay busy), then in `writes` until the batched write has stored
 * it; its lease is held (lease-heartbeat.ts) until then.
 */
export function createBarScheduler(o: BarSchedulerOptions) {
  const tasks = new Set<Promise<void>>()
  const writes = new Set<Promise<void>>()
  const writeLimit = 2 * Math.max(o.concurrency, o.flushMax)
  let done = 0
  let failed = 0
  const progress = (): void => o.onProgress?.({ done, failed })

  /** Forecast + LLM for one claimed bar: the row to write, or null when the row exists (resume). */
  async function compute(job: ClaimedJob, history: Bar[] | undefined): Promise<ForecastRow | null> {
    if (job.forecast_id != null) return null
    if (!history) throw new MissingBarError(`no bar ${job.symbol} ${job.asof.toISOString()} in market_bars`)
    const end = o.metrics.barSeconds.startTimer()
    const unit = buildForecastUnit(job.symbol, history, o.model, job.horizon, o.sizing)
    const llm = await o.enrich(unit.inputs)
    end()
    return { ...job, ...unit.forecast, features: { llm } }
  }

  /** Counts the LLM results of a row that is being written. */
  function countLlm(row: ForecastRow): void {
    const llm = row.features.llm
    o.metrics.llm.inc({ prompt: 'rationale', outcome: llm.rationale.ok ? 'ok' : (llm.rationale.error?.code ?? 'error') })
    o.metrics.llm.inc({ prompt: 'policy', outcome: llm.policy.ok ? 'ok' : (llm.policy.error?.code ?? 'error') })
    if (llm.rationale.grounding) o.metrics.grounding.inc({ outcome: llm.rationale.grounding.unmatched.length === 0 ? 'grounded' : 'ungrounded' })
    o.metrics.policy.inc({ effective: llm.policy.effective, fail_reason: llm.policy.fail_reason ?? 'none' })
  }

  async function failJob(job: ClaimedJob, err: unknown): Promise<void> {
    failed++
    const outcome = await o.jobs
      .fail(job, (err as Error)?.stack ?? String(err), { maxAttempts: o.maxAttempts, retryMs: o.retryMs })
      .catch(() => 'retry' as const)
    o.metrics.failed.inc({ final: outcome === 'failed' ? 'yes' : 'no' })
    o.logger.error({ err, symbol: job.symbol, asof: job.asof, attempts: job.attempts, outcome }, 'bar failed')
  }

  function startJob(job: ClaimedJob, history: Bar[] | undefined): void {
    o.leases.hold(job)
    const t: Promise<void> = compute(job, history)
      .then(async (row) => {
        // During an outage a bar too old to trade goes back without a row (outage-recovery.ts).
        if ((await o.outage.triage(job, row)) === 'held') {
          o.leases.release(job)
          return
        }
        if (row) countLlm(row)
        const w: Promise<void> = o.writer
          .write({ job, row })
          .then(
            () => {
              done++
            },
            (err: unknown) => failJob(job, err),
          )
          .finally(() => {
            writes.delete(w)
            o.leases.release(job)
            progress()
          })
        writes.add(w)
      })
      .then(
        () => {},
        async (err: unknown) => {
          await failJob(job, err)
          o.leases.release(job)
          progress()
        },
      )
      .finally(() => {
        tasks.delete(t)
        o.metrics.inflight.set(tasks.size)
      })
    tasks.add(t)
  }

  async function start(claimed: ClaimedJob[]): Promise<void> {
    let hist: Map<string, Bar[]>
    try {
      hist = await loadHistories(o.bars, claimed, o.model.lookback)
    } catch (err) {
      await o.jobs.release(claimed).catch(() => {})
      throw err
    }
    for (const job of claimed) startJob(job, hist.get(keyString(job)))
    o.metrics.inflight.set(tasks.size)
  }

  return {
    /**
     * Claims as many bars as fit, when a claim batch fits and the writes are not too far behind,
     * and starts them. 'full' when all `concurrency` bars now run; 'room' when more would fit.
     */
    async claim(modelVersion: string): Promise<'full' | 'room'> {
      const room = o.concurrency - tasks.size
      if (room >= Math.min(o.claimBatch, o.concurrency) && writes.size < writeLimit) {
        // While paused, only live bars are claimed: the backlog waits for Lexi.
        const claimed = await o.jobs.claim(room, modelVersion, o.outage.claimFilter())
        o.metrics.claimed.inc(claimed.length)
        if (claimed.length > 0) {
          await start(claimed)
          return tasks.size < o.concurrency ? 'room' : 'full'
        }
      }
      return 'full'
    },
    /** Bars being computed or written. */
    inFlight: (): number => tasks.size + writes.size,
    /** Resolves when any bar in flight moves on. */
    next: async (): Promise<void> => {
      await Promise.race([...tasks, ...writes])
    },
    /** Waits until no bar is in flight, flushing the writer meanwhile. */
    async drain(): Promise<void> {
      while (tasks.size + writes.size > 0) await Promise.allSettled([...tasks, ...writes, o.writer.flush()])
    },
    counts: () => ({ done, failed }),
  }
}
export type BarScheduler = ReturnType<typeof createBarScheduler>
