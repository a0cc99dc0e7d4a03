import { setTimeout as sleep } from 'node:timers/promises'
import type { Db } from '@pulsetrade/db'
import type { Logger } from 'pino'
import type { Bar } from '../bars/bar'
import { createBarsRepo } from '../bars/bars-repo'
import type { ForecastModel } from '../models/model'
import type { OutageOptions } from './backlog-pause'
import { buildForecastUnit } from './build-inputs'
import { loadHistories } from './load-histories'
import type { EnrichForecast } from './enrich-forecast'
import { createForecastsRepo, keyString, type ForecastRow } from './forecasts-repo'
import type { ForecastMetrics } from './forecast-metrics'
import { createForecastWriter, type PlaceOrder } from './forecast-writer'
import { createJobsRepo, type ClaimedJob } from './jobs-repo'
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
  onProgress?: (p: { done: number, failed: number }) => void
  /** Outage recovery (backlog-pause.ts): without it the worker never pauses, but still re-enriches marked rows. */
  outage?: OutageOptions
  /** Marked rows re-enriched at once once Lexi answers. @default 8 */
  reenrichConcurrency?: number
}

export interface RunSummary { done: number, failed: number, seconds: number, perSecond: number, resolved: number }

/**
 * The forecast worker: enqueue eligible bars, claim them through Postgres, and per bar compute the
 * forecast, ask the LLM (rationale + policy), then hand the row to the batching writer. Any number
 * of workers can run against one database.
 */
export function createForecastWorker (o: WorkerOptions) {
  const log = o.logger.child({ component: 'forecast-worker', worker: o.workerId })
  const jobs = createJobsRepo(o.db, { workerId: o.workerId, leaseMs: o.leaseMs })
  const bars = createBarsRepo(o.db)
  const forecasts = createForecastsRepo(o.db)
  const outage = createOutageRecovery({
    db: o.db, jobs, enrich: o.enrich, logger: log, metrics: o.metrics, outage: o.outage, reenrichConcurrency: o.reenrichConcurrency ?? 8,
    leaseMs: o.leaseMs, retryMs: o.retryMs, maxAttempts: o.maxAttempts, pollMs: o.pollMs,
  })
  const writer = createForecastWriter({ db: o.db, jobs, placeOrder: outage.guard(o.placeOrder), logger: o.logger, metrics: o.metrics, flushMs: o.flushMs, flushMax: o.flushMax })
  const mv = o.model.version
  let stopping = false
  const wake = new AbortController()
  /** Sleeps, but returns at once when stop() is called. */
  const nap = (ms: number): Promise<void> => sleep(ms, undefined, { signal: wake.signal }).catch(() => {})
  let done = 0
  let failed = 0
  let lastFullScan = 0
  let lastPoll = 0

  /** Forecast + LLM for one claimed bar: the row to write, or null when the row exists (resume). */
  async function compute (job: ClaimedJob, history: Bar[] | undefined): Promise<ForecastRow | null> {
    if (job.forecast_id != null) return null
    if (!history) throw new Error(`no bar ${job.symbol} ${job.asof.toISOString()} in market_bars`)
    const end = o.metrics.barSeconds.startTimer()
    const unit = buildForecastUnit(job.symbol, history, o.model, job.horizon, o.sizing)
    const llm = await o.enrich(unit.inputs)
    end()
    return { ...job, ...unit.forecast, features: { llm } }
  }

  /** Counts the LLM results of a row that is being written. */
  function countLlm (row: ForecastRow): void {
    const llm = row.features.llm
    o.metrics.llm.inc({ prompt: 'rationale', outcome: llm.rationale.ok ? 'ok' : llm.rationale.error?.code ?? 'error' })
    o.metrics.llm.inc({ prompt: 'policy', outcome: llm.policy.ok ? 'ok' : llm.policy.error?.code ?? 'error' })
    o.metrics.policy.inc({ effective: llm.policy.effective, fail_reason: llm.policy.fail_reason ?? 'none' })
  }

  async function failJob (job: ClaimedJob, err: unknown): Promise<void> {
    failed++
    const outcome = await jobs.fail(job, (err as Error)?.stack ?? String(err), { maxAttempts: o.maxAttempts, retryMs: o.retryMs }).catch(() => 'retry' as const)
    o.metrics.failed.inc({ final: outcome === 'failed' ? 'yes' : 'no' })
    log.error({ err, symbol: job.symbol, asof: job.asof, attempts: job.attempts, outcome }, 'bar failed')
  }

  async function enqueue (full: boolean): Promise<number> {
    const n = await jobs.enqueue({ modelVersion: mv, horizon: o.horizon, minBars: o.minBars, sinceLatest: !full })
    if (full) lastFullScan = Date.now()
    if (n > 0) log.info({ enqueued: n, full }, 'bars enqueued')
    return n
  }

  async function resolveAll (): Promise<number> {
    let total = 0
    for (let n = await forecasts.resolve(); n > 0; n = await forecasts.resolve()) total += n
    o.metrics.resolved.inc(total)
    return total
  }

  async function loop (once: boolean): Promise<RunSummary> {
    const started = Date.now()
    // A bar is in `tasks` while it is forecast and asked to the LLM (bounded by `concurrency`, so the
    // LLM slots stay busy), then in `writes` until the batched write has stored it; its lease is
    // renewed until then.
    const tasks = new Set<Promise<void>>()
    const writes = new Set<Promise<void>>()
    const writeLimit = 2 * Math.max(o.concurrency, o.flushMax)
    const held = new Map<string, ClaimedJob>()
    const heartbeat = setInterval(() => {
      jobs.heartbeat([...held.values()]).catch((err: unknown) => log.warn({ err }, 'lease heartbeat failed'))
    }, Math.max(100, o.leaseMs / 3))
    heartbeat.unref()
    let resolved = 0
    let errors = 0
    const progress = (): void => o.onProgress?.({ done, failed })

    const startJob = (job: ClaimedJob, history: Bar[] | undefined): void => {
      const key = keyString(job)
      held.set(key, job)
      const t: Promise<void> = compute(job, history).then(async (row) => {
        // During an outage a bar too old to trade goes back without a row (outage-recovery.ts).
        if (await outage.triage(job, row) === 'held') { held.delete(key); return }
        if (row) countLlm(row)
        const w: Promise<void> = writer.write({ job, row }).then(() => { done++ }, (err: unknown) => failJob(job, err))
          .finally(() => { writes.delete(w); held.delete(key); progress() })
        writes.add(w)
      }).then(
        () => {},
        async (err: unknown) => { await failJob(job, err); held.delete(key); progress() },
      ).finally(() => { tasks.delete(t); o.metrics.inflight.set(tasks.size) })
      tasks.add(t)
    }

    const start = async (claimed: ClaimedJob[]): Promise<void> => {
      let hist: Map<string, Bar[]>
      try {
        hist = await loadHistories(bars, claimed, o.model.lookback)
      } catch (err) {
        await jobs.release(claimed).catch(() => {})
        throw err
      }
      for (const job of claimed) startJob(job, hist.get(keyString(job)))
      o.metrics.inflight.set(tasks.size)
    }

    /** New bars and due resolutions, at most once per poll interval (also while busy with a backlog). */
    const poll = async (): Promise<void> => {
      lastPoll = Date.now()
      resolved += await resolveAll()
      await enqueue(Date.now() - lastFullScan > 300_000)
    }

    /** One turn of the loop; returns false when a --once run is finished. */
    const turn = async (): Promise<boolean> => {
      if (!once && Date.now() - lastPoll >= o.pollMs) await poll()
      await outage.tick(async () => { const p = await jobs.pending(mv); o.metrics.pending.set(p.count); return p.count })
      outage.maybeReenrich(() => stopping)
      const room = o.concurrency - tasks.size
      if (room >= Math.min(o.claimBatch, o.concurrency) && writes.size < writeLimit) {
        // While paused, only live bars are claimed: the backlog waits for Lexi.
        const claimed = await jobs.claim(room, mv, outage.claimFilter())
        o.metrics.claimed.inc(claimed.length)
        if (claimed.length > 0) {
          await start(claimed)
          if (tasks.size < o.concurrency) return true
        }
      }
      if (tasks.size + writes.size > 0) { await Promise.race([...tasks, ...writes]); return true }
      // Idle: nothing claimable and nothing in flight.
      await writer.flush()
      const pending = await jobs.pending(mv)
      o.metrics.pending.set(pending.count)
      if (once && pending.count === 0) {
        await outage.finishOnce(() => stopping)
        return false
      }
      // Paused: short naps, so the circuit's half-open probe and new live bars are seen soon.
      if (outage.pause.active()) { await nap(Math.min(200, o.pollMs)); return true }
      // Wait for the next poll, or for a lease held elsewhere (a live worker, or a dead one's) to run out.
      const untilPoll = once ? o.pollMs : o.pollMs - (Date.now() - lastPoll)
      const untilLease = pending.nextFreeAt ? pending.nextFreeAt.getTime() - Date.now() + 50 : Infinity
      await nap(Math.max(once ? 50 : 0, Math.min(untilPoll, untilLease)))
      return true
    }

    try {
      await enqueue(true)
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
      while (tasks.size + writes.size > 0) await Promise.allSettled([...tasks, ...writes, writer.flush()])
      await writer.flush()
      await outage.settle()
      resolved += await resolveAll()
    } finally {
      clearInterval(heartbeat)
    }
    const seconds = (Date.now() - started) / 1000
    return { done, failed, seconds, perSecond: seconds > 0 ? done / seconds : 0, resolved }
  }

  return {
    /** Processes everything pending (waiting out other workers' leases), resolves, and returns. */
    runOnce: () => loop(true),
    /** Keeps processing new bars until stop(). */
    run: () => loop(false),
    /** Lets in-flight bars finish and the writer flush; run()/runOnce() then return. */
    stop: () => { stopping = true; wake.abort() },
    status: () => ({ done, failed, stopping }),
    /** Whether the backlog waits for Lexi now, and how many bars it gave back. */
    outage: () => outage.pause.status(),
    /** `forecast re-enrich`: fills in marked rows now (the caller marks them first). */
    reenricher: outage.reenricher,
  }
}
export type ForecastWorker = ReturnType<typeof createForecastWorker>
