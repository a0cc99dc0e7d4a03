import { InsufficientHistoryError } from '../errors'
import { lastLogReturns, normalForecast, type ForecastModel } from './model'

const WINDOW = 250
const SEED = 20
export const RISKMETRICS_LAMBDA = 0.94
export const MOMENTUM_HALF_LIFE = 10

/**
 * EWMA momentum with RiskMetrics volatility, over the last 250 daily log returns r_1..r_n:
 *   variance: s2_0 = mean(r_1..r_20 squared); s2_t = λ·s2_{t-1} + (1-λ)·r_t², λ = 0.94
 *   momentum: m_0 = 0; m_t = α·r_t + (1-α)·m_{t-1}, α = 1 - 0.5^(1/10) (half-life 10 bars)
 *   horizon h: mu = h·m_n, sigma = sqrt(h·s2_n)
 */
export function createEwmaMomentumModel(): ForecastModel {
  const alpha = 1 - 0.5 ** (1 / MOMENTUM_HALF_LIFE)
  return {
    name: 'ewma',
    version: 'ewma-rm-1',
    lookback: WINDOW + 1,
    forecast(bars, horizon) {
      const r = lastLogReturns(bars, WINDOW)
      if (r.length < SEED) throw new InsufficientHistoryError(`EWMA needs ${SEED} returns, got ${r.length}`)
      let s2 = r.slice(0, SEED).reduce((a, b) => a + b * b, 0) / SEED
      let m = 0
      for (const x of r) {
        s2 = RISKMETRICS_LAMBDA * s2 + (1 - RISKMETRICS_LAMBDA) * x * x
        m = alpha * x + (1 - alpha) * m
      }
      return normalForecast(horizon * m, Math.sqrt(horizon * s2))
    },
  }
}
