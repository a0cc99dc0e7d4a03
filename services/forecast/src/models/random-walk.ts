import { InsufficientHistoryError } from '../errors'
import { lastLogReturns, normalForecast, type ForecastModel } from './model'

const WINDOW = 250

/**
 * Baseline: driftless random walk. mu = 0; sigma = sample standard deviation of the last 250
 * daily log returns times sqrt(horizon); p_up = 0.5.
 */
export function createRandomWalkModel(): ForecastModel {
  return {
    name: 'rw',
    version: 'rw-1',
    lookback: WINDOW + 1,
    forecast(bars, horizon) {
      const r = lastLogReturns(bars, WINDOW)
      if (r.length < 2) throw new InsufficientHistoryError(`random walk needs 2 returns, got ${r.length}`)
      const mean = r.reduce((a, b) => a + b, 0) / r.length
      const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1)
      return normalForecast(0, Math.sqrt(variance * horizon))
    },
  }
}
