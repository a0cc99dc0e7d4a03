import type { Logger } from 'pino'
import type { ForecastMetrics } from './forecast-metrics'
import type { PlaceOrder, WriteItem } from './forecast-writer'
import { keyString, type ForecastsRepo } from './forecasts-repo'

/**
 * The orders of one written batch: for every item whose forecast (new, or stored before a crash)
 * proposes an order and has none yet, place it. One order per forecast: a forecast that already has
 * one is skipped, so a job re-run after a crash never orders twice.
 */
export function createBatchOrders(o: { forecasts: ForecastsRepo; placeOrder: PlaceOrder; metrics: ForecastMetrics; logger: Logger }) {
  /**
   * `ids`: the forecast id of each new row (by key). Returns the items whose order failed, with the
   * error; the others are done with their order (or need none).
   */
  return async function placeOrders<W extends WriteItem>(batch: readonly W[], ids: ReadonlyMap<string, { id: number }>): Promise<Map<W, unknown>> {
    const idOf = (w: W): number | null => (w.row ? (ids.get(keyString(w.row))?.id ?? null) : w.job.forecast_id)
    const resumed = await o.forecasts.byIds(batch.filter((w) => !w.row && w.job.forecast_id != null).map((w) => w.job.forecast_id as number))
    const storedFeatures = new Map(resumed.map((s) => [s.id, s.features.llm]))
    const withOrder = batch.flatMap((w) => {
      const id = idOf(w)
      const features = w.row ? w.row.features.llm : id != null ? storedFeatures.get(id) : undefined
      return id != null && features?.inputs.order ? [{ w, id, features }] : []
    })
    const needOrder = await o.forecasts.withoutOrder(withOrder.map((x) => x.id))

    const failed = new Map<W, unknown>()
    for (const x of withOrder) {
      if (!needOrder.has(x.id)) continue
      try {
        o.metrics.orders.inc({ outcome: await o.placeOrder({ forecastId: x.id, asof: x.w.job.asof, features: x.features }) })
      } catch (err) {
        failed.set(x.w, err)
        o.metrics.orders.inc({ outcome: 'error' })
        o.logger.error({ err, forecastId: x.id, symbol: x.w.job.symbol }, 'placing the order failed; the job will be retried')
      }
    }
    return failed
  }
}
