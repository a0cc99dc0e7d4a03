import type { LlmInputs } from '@pulsetrade/llm'
import type { Bar } from '../bars/bar'
import type { ForecastModel, ModelForecast } from '../models/model'
import { computeSignals } from '../signals/compute-signals'
import { proposeOrder, type SizingRule } from './propose-order'

export interface ForecastUnit {
  forecast: ModelForecast
  /** Exactly what the prompts are rendered from (features.llm.inputs). */
  inputs: LlmInputs
}

/**
 * Forecast, signals and proposed order for the last bar of `history` (the asof bar). Pure: the
 * same bars always give the same unit, which is what makes a re-run or a replay identical.
 */
export function buildForecastUnit(symbol: string, history: Bar[], model: ForecastModel, horizon: number, sizing: SizingRule): ForecastUnit {
  const asofBar = history[history.length - 1]
  if (!asofBar) throw new RangeError('empty history')
  const forecast = model.forecast(history, horizon)
  const signals = computeSignals(history)
  const order = proposeOrder(forecast, asofBar.close, sizing)
  return {
    forecast,
    inputs: {
      symbol,
      asof: asofBar.ts.toISOString(),
      horizon,
      forecast: { mu: forecast.mu, sigma: forecast.sigma, p_up: forecast.p_up, q05: forecast.q05, q95: forecast.q95 },
      signals,
      order,
    },
  }
}
