import type { Bar } from '../bars/bar'
import type { ForecastModel } from '../models/model'
import { wilsonInterval } from './wilson-interval'

export interface ModelMetrics {
  model: string
  version: string
  n: number
  /** Share of forecasts whose direction (p_up >= 0.5 means up) matched the realized return (> 0). */
  hitRate: number
  hitLow: number
  hitHigh: number
  /** Mean absolute error of mu against the realized log return. */
  mae: number
  /** Mean of (p_up - 1[realized > 0])². 0.25 for a coin flip. */
  brier: number
  /** Share of realized returns inside [q05, q95] (nominal 0.90). */
  coverage: number
  /** Ratio to the baseline model's MAE (< 1 is better) and Brier skill 1 - brier/brier_base (> 0 is better). */
  maeRatio: number
  brierSkill: number
}

export interface BacktestResult {
  symbol: string
  horizon: number
  from: Date | null
  to: Date | null
  metrics: ModelMetrics[]
}

interface Acc {
  n: number
  hits: number
  absErr: number
  brier: number
  covered: number
}

/**
 * Walk-forward evaluation: at every bar i with `minBars` bars of history and a bar at i+horizon,
 * each model sees only bars[..i] and is scored on ln(C_{i+h}/C_i). `baseline` names the model
 * the others are compared with (the random walk).
 */
export function runBacktest(
  symbol: string,
  bars: Bar[],
  models: ForecastModel[],
  opts: { horizon: number; minBars: number; baseline: string },
): BacktestResult {
  const acc = new Map<string, Acc>(models.map((m) => [m.name, { n: 0, hits: 0, absErr: 0, brier: 0, covered: 0 }]))
  const lookback = Math.max(...models.map((m) => m.lookback))
  let from: Date | null = null
  let to: Date | null = null
  for (let i = opts.minBars - 1; i + opts.horizon < bars.length; i++) {
    const now = bars[i]
    const later = bars[i + opts.horizon]
    if (!now || !later) continue
    const history = bars.slice(Math.max(0, i + 1 - lookback), i + 1)
    const realized = Math.log(later.close / now.close)
    from ??= now.ts
    to = now.ts
    for (const m of models) {
      const f = m.forecast(history, opts.horizon)
      const a = acc.get(m.name)
      if (!a) continue
      const up = realized > 0
      a.n++
      if (f.p_up >= 0.5 === up) a.hits++
      a.absErr += Math.abs(realized - f.mu)
      a.brier += (f.p_up - (up ? 1 : 0)) ** 2
      if (realized >= f.q05 && realized <= f.q95) a.covered++
    }
  }
  const base = acc.get(opts.baseline)
  const baseMae = base && base.n > 0 ? base.absErr / base.n : Number.NaN
  const baseBrier = base && base.n > 0 ? base.brier / base.n : Number.NaN
  const metrics = models.map((m): ModelMetrics => {
    const a = acc.get(m.name) ?? { n: 0, hits: 0, absErr: 0, brier: 0, covered: 0 }
    const ci = wilsonInterval(a.hits, a.n)
    const mae = a.absErr / a.n
    const brier = a.brier / a.n
    return {
      model: m.name,
      version: m.version,
      n: a.n,
      hitRate: a.hits / a.n,
      hitLow: ci.low,
      hitHigh: ci.high,
      mae,
      brier,
      coverage: a.covered / a.n,
      maeRatio: mae / baseMae,
      brierSkill: 1 - brier / baseBrier,
    }
  })
  return { symbol, horizon: opts.horizon, from, to, metrics }
}
