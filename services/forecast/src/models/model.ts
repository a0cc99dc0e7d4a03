import type { Bar } from '../bars/bar'
import { normCdf, Z95 } from './normal'

/** A model's forecast of the log return over the next `horizon` bars. */
export interface ModelForecast {
  /** Expected log return over the horizon. */
  mu: number
  /** Standard deviation of that log return. */
  sigma: number
  /** P(return > 0) under a normal with (mu, sigma). */
  p_up: number
  /** 5% and 95% quantiles: together a 90% interval. */
  q05: number
  q95: number
}

export interface ForecastModel {
  /** Short name used by FORECAST_MODEL and the backtest (`rw`, `ewma`, `ar1`). */
  name: string
  /** Stored in forecasts.model_version; changes whenever the formula or a parameter changes. */
  version: string
  /** Bars (including the asof bar) the model reads at most; earlier bars never change its output. */
  lookback: number
  /**
   * Forecast from `bars` (ascending, the last one is the asof bar). Only bars at or before asof
   * are passed, so there is no look-ahead by construction.
   */
  forecast: (bars: Bar[], horizon: number) => ModelForecast
}

/** Builds the normal-distribution summary shared by every model. */
export function normalForecast(mu: number, sigma: number): ModelForecast {
  const s = Math.max(sigma, 1e-12)
  return { mu, sigma: s, p_up: normCdf(mu / s), q05: mu - Z95 * s, q95: mu + Z95 * s }
}

/** Log returns of the last `count` bar-to-bar steps of `bars` (fewer when there is less history). */
export function lastLogReturns(bars: Bar[], count: number): number[] {
  const start = Math.max(1, bars.length - count)
  const out: number[] = []
  for (let i = start; i < bars.length; i++) {
    const prev = bars[i - 1]
    const cur = bars[i]
    if (prev && cur) out.push(Math.log(cur.close / prev.close))
  }
  return out
}
