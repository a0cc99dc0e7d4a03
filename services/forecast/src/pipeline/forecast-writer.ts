import { createBatcher, type Db } from '@pulsetrade/db'
import type { FeaturesLlm } from '@pulsetrade/llm'
import type { Logger } from 'pino'
import { ForecastNotStoredError } from '../errors'
import { createBatchOrders } from './batch-orders'
import { createForecastsRepo, keyString, type ForecastRow } from './forecasts-repo'
import type { ForecastMetrics } from './forecast-metrics'
import type { ClaimedJob, JobsRepo } from './jobs-repo'

/** Places the proposed order of a stored forecast through the gate and the paper broker. */
export type PlaceOrder = (p: { forecastId: number; asof: Date; features: FeaturesLlm }) => Promise<string>

export interface WriteItem {
  job: ClaimedJob
  /** The new row; null when the forecast already exists (job.forecast_id) and only the order may be missing. */
  row: ForecastRow | null
}

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
 * (or resumed) forecasts that have none yet (batch-orders.ts), then one job-completion update.
 * Every step is idempotent (unique forecast key, one order per forecast, completion only of
 * pending jobs), so a crash between steps is repaired by re-running the job. A batch is cut every
 * `flushMs` or at `flushMax` rows (createBatcher, timed); batches run one at a time.
 */
export function createForecastWriter(opts: WriterOptions) {
  const log = opts.logger.child({ component: 'forecast-writer' })
  const forecasts = createForecastsRepo(opts.db)
  const placeOrders = createBatchOrders({ forecasts, placeOrder: opts.placeOrder, metrics: opts.metrics, logger: log })

  /** Each item's own outcome: null when stored and completed, else the error its caller gets. */
  async function storeBatch(batch: WriteItem[]): Promise<Array<unknown>> {
    const end = opts.metrics.flushSeconds.startTimer()
    try {
      const ids = await forecasts.insertMany(batch.flatMap((w) => (w.row ? [w.row] : [])))
      let written = 0
      for (const v of ids.values()) if (v.inserted) written++
      opts.metrics.written.inc(written)

      const failed = await placeOrders(batch, ids)
      for (const w of batch) {
        const stored = w.row ? ids.has(keyString(w.row)) : w.job.forecast_id != null
        if (!failed.has(w) && !stored) failed.set(w, new ForecastNotStoredError(`forecast ${keyString(w.job)} is neither inserted nor found`))
      }
      const ok = batch.filter((w) => !failed.has(w))
      await opts.jobs.complete(ok.map((w) => w.job))
      opts.metrics.completed.inc(ok.length)
      return batch.map((w) => failed.get(w) ?? null)
    } catch (err) {
      log.error({ err, rows: batch.length }, 'batched write failed; the jobs will be retried')
      throw err
    } finally {
      end()
    }
  }

  const batcher = createBatcher<WriteItem, unknown>({ run: storeBatch, maxBatch: opts.flushMax, delayMs: opts.flushMs })

  return {
    /** Queues the item; resolves once its forecast, order and job completion are stored. */
    async write(item: WriteItem): Promise<void> {
      const err = await batcher.submit(item)
      if (err != null) throw err
    },
    /** Writes what waits now; resolves once every batch cut so far is stored. */
    flush: batcher.flush,
  }
}
export type ForecastWriter = ReturnType<typeof createForecastWriter>
