import { InsufficientHistoryError } from '../errors'
import { lastLogReturns, normalForecast, type ForecastModel } from './model'

const WINDOW = 250
const MIN_RETURNS = 30
const PHI_LIMIT = 0.99

/**
 * AR(1) on a rolling window of the last 250 daily log returns: r_t = c + φ·r_{t-1} + ε_t, fitted
 * by least squares (φ clamped to ±0.99, residual variance s2 = SSR/(n-2)). For horizon h the
 * cumulative return has
 *   mu    = Σ_{k=1..h} E[r_{n+k}],  E[r_{n+k}] = c·(1 + φ + … + φ^{k-1}) + φ^k·r_n
 *   sigma = sqrt(s2 · Σ_{j=1..h} (1 + φ + … + φ^{h-j})²)
 */
export function createAr1Model(): ForecastModel {
  return {
    name: 'ar1',
    version: 'ar1-250-1',
    lookback: WINDOW + 1,
    forecast(bars, horizon) {
      const r = lastLogReturns(bars, WINDOW)
      if (r.length < MIN_RETURNS) throw new InsufficientHistoryError(`AR(1) needs ${MIN_RETURNS} returns, got ${r.length}`)
      const x = r.slice(0, -1)
      const y = r.slice(1)
      const n = y.length
      const mx = x.reduce((a, b) => a + b, 0) / n
      const my = y.reduce((a, b) => a + b, 0) / n
      let sxy = 0
      let sxx = 0
      for (let i = 0; i < n; i++) {
        const dx = (x[i] ?? 0) - mx
        sxy += dx * ((y[i] ?? 0) - my)
        sxx += dx * dx
      }
      const phi = Math.max(-PHI_LIMIT, Math.min(PHI_LIMIT, sxx > 0 ? sxy / sxx : 0))
      const c = my - phi * mx
      let ssr = 0
      for (let i = 0; i < n; i++) ssr += ((y[i] ?? 0) - c - phi * (x[i] ?? 0)) ** 2
      const s2 = ssr / Math.max(1, n - 2)

      let mu = 0
      let prev = r[r.length - 1] ?? 0
      for (let k = 1; k <= horizon; k++) {
        prev = c + phi * prev
        mu += prev
      }
      let weights = 0
      for (let j = 1; j <= horizon; j++) {
        let w = 0
        for (let p = 0; p <= horizon - j; p++) w += phi ** p
        weights += w * w
      }
      return normalForecast(mu, Math.sqrt(s2 * weights))
    },
  }
}
