import type { Bar } from '../bars/bar'
import type { BarsRepo } from '../bars/bars-repo'
import { keyString } from './forecasts-repo'
import type { ClaimedJob } from './jobs-repo'

/**
 * The history of every claimed job that still needs a forecast: one query per symbol covering the
 * batch, then for each job the `lookback` bars ending at its asof bar (nothing after it). A job
 * whose asof bar is missing gets no entry.
 */
export async function loadHistories(bars: BarsRepo, claimed: ClaimedJob[], lookback: number): Promise<Map<string, Bar[]>> {
  const out = new Map<string, Bar[]>()
  const bySymbol = new Map<string, ClaimedJob[]>()
  for (const j of claimed) if (j.forecast_id == null) bySymbol.set(j.symbol, [...(bySymbol.get(j.symbol) ?? []), j])
  for (const [symbol, list] of bySymbol) {
    const first = list.reduce((a, b) => (a.asof < b.asof ? a : b)).asof
    const last = list.reduce((a, b) => (a.asof > b.asof ? a : b)).asof
    const series = await bars.range(symbol, first, last, lookback - 1)
    const index = new Map(series.map((b, i) => [b.ts.getTime(), i]))
    for (const j of list) {
      const i = index.get(j.asof.getTime())
      if (i !== undefined) out.set(keyString(j), series.slice(Math.max(0, i + 1 - lookback), i + 1))
    }
  }
  return out
}
