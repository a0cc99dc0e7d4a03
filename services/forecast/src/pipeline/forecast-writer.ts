import type { Db } from '@pulsetrade/db'
import type { FeaturesLlm } from '@pulsetrade/llm'
import type { Logger } from 'pino'
import { createForecastsRepo, keyString, type ForecastRow } from './forecasts-repo'
import type { ForecastMetrics } from './forecast-metrics'
import type { ClaimedJob, JobsRepo } from './jobs-repo'

/** Places the proposed order of a stored forecast through the gate and the paper broker. */
export type PlaceOrder = (p: { forecastId: number, asof: Date, features: FeaturesLlm }) => Promise<string>

export interface WriteItem {
  job: ClaimedJob
  /** The new row; null when the forecast already exists (job.forecast_id) and only the order may be missing. */
  row: ForecastRow | null
}

interface Waiting extends WriteItem { done: () => void, fail: (err: unknown) => void }

export interface WriterOptions {
  db: Db
  jobs: JobsRepo
  placeOrder: PlaceOrder
  logger: Logger
  metrics: ForecastMetrics
  /** Flush at least this often while rows wait. */
  flushMs: number
  /** Flush as soon as this many rows wait. */
  flushMax: number
}

/**
 * Batches the end of each bar's work: one multi-row forecast insert, then the orders of the new
 * (or resumed) forecasts that have none yet, then one job-completion update. Every step is
 * idempotent (unique forecast key, one order per forecast, completion only of pending jobs), so
 * a crash between steps is repaired by re-running the job. Flushes run one at a time.
 */
export function createForecastWriter (opts: WriterOptions) {
  const log = opts.logger.child({ component: 'forecast-writer' })
  const forecasts = createForecastsRepo(opts.db)
  let queue: Waiting[] = []
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> = Promise.resolve()

  async function flushBatch (batch: Waiting[]): Promise<void> {
    const end = opts.metrics.flushSeconds.startTimer()
    try {
      const rows = batch.flatMap((w) => (w.row ? [w.row] : []))
      const ids = await forecasts.insertMany(rows)
      let written = 0
      for (const v of ids.values()) if (v.inserted) written++
      opts.metrics.written.inc(written)

      const idOf = (w: Waiting): number | null => (w.row ? ids.get(keyString(w.row))?.id ?? null : w.job.forecast_id)
      const resumed = await forecasts.byIds(batch.filter((w) => !w.row && w.job.forecast_id != null).map((w) => w.job.forecast_id as number))
      const storedFeatures = new Map(resumed.map((s) => [s.id, s.features.llm]))
      const withOrder = batch.flatMap((w) => {
        const id = idOf(w)
        const features = w.row ? w.row.features.llm : id != null ? storedFeatures.get(id) : undefined
        return id != null && features?.inputs.order ? [{ w, id, features }] : []
      })
      const needOrder = await forecasts.withoutOrder(withOrder.map((x) => x.id))

      const ok: Waiting[] = []
      const failed = new Set<Waiting>()
      for (const x of withOrder) {
        if (!needOrder.has(x.id)) continue
        try {
          opts.metrics.orders.inc({ outcome: await opts.placeOrder({ forecastId: x.id, asof: x.w.job.asof, features: x.features }) })
        } catch (err) {
          failed.add(x.w)
          opts.metrics.orders.inc({ outcome: 'error' })
          log.error({ err, forecastId: x.id, symbol: x.w.job.symbol }, 'placing the order failed; the job will be retried')
          x.w.fail(err)
        }
      }
      for (const w of batch) {
        if (failed.has(w)) continue
        if (idOf(w) == null) { w.fail(new Error(`forecast ${keyString(w.job)} is neither inserted nor found`)); continue }
        ok.push(w)
      }
      await opts.jobs.complete(ok.map((w) => w.job))
      opts.metrics.completed.inc(ok.length)
      for (const w of ok) w.done()
    } catch (err) {
      log.error({ err, rows: batch.length }, 'batched write failed; the jobs will be retried')
      for (const w of batch) w.fail(err)
    } finally {
      end()
    }
  }

  function flush (): Promise<void> {
    if (timer) { clearTimeout(timer); timer = null }
    const batch = queue
    queue = []
    if (batch.length > 0) running = running.then(() => flushBatch(batch))
    return running
  }

  return {
    /** Queues the item; resolves once its forecast, order and job completion are stored. */
    write (item: WriteItem): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        queue.push({ ...item, done: resolve, fail: reject })
        if (queue.length >= opts.flushMax) void flush()
        else timer ??= setTimeout(() => { void flush() }, opts.flushMs)
      })
    },
    flush,
  }
}
export type ForecastWriter = ReturnType<typeof createForecastWriter>
