import { FeaturesLlmSchema, type FeaturesLlm } from '@pulsetrade/llm'
import type { ForecastRow } from '@pulsetrade/forecast/repository'

const RAW_RATIONALE = JSON.stringify({
  summary: 'Momentum is positive over five and twenty bars with volatility near its median; the model expects a small gain.',
  drivers: ['five-bar return above its 20-bar mean', 'RSI in the upper half without being stretched', 'volume near its average'],
  risks: ['volatility clustering after a quiet week', 'macro data due before the open'],
  confidence: 0.62,
})
const RAW_POLICY = JSON.stringify({
  decision: 'allow',
  size_factor: 0.75,
  reason: 'edge is modest and volatility normal; trim size',
  risk_flags: ['event_risk'],
})

const result = (prompt: string, raw: string, i: number) => ({
  prompt,
  version: '1.0.0',
  hash: 'sha256:4f0c1b6a9d2e',
  arm: null,
  bucket: null,
  ok: true,
  valid_json: true,
  repaired: false,
  cached: false,
  parsed: JSON.parse(raw) as unknown,
  raw,
  finish_reason: 'stop',
  latency_ms: 812 + (i % 97),
  usage: { prompt_tokens: 402, completion_tokens: 96 },
  request_id: `chatcmpl-${i.toString(16).padStart(12, '0')}`,
  error: null,
})

/** A features.llm as the forecast worker stores it (validated against the contract), for bar i. */
export function sampleFeatures(symbol: string, asof: Date, i: number): FeaturesLlm {
  const mu = 0.0004 + (i % 13) * 1e-5
  return FeaturesLlmSchema.parse({
    model: 'Lexi',
    inputs: {
      symbol,
      asof: asof.toISOString(),
      horizon: 1,
      forecast: { mu, sigma: 0.011, p_up: 0.52, q05: mu - 0.018, q95: mu + 0.018 },
      signals: { ret_1: 0.002, ret_5: 0.011, ret_20: 0.024, vol_20: 0.16, rsi_14: 58.3, zscore_20: 0.8, volume_ratio: 1.04 },
      order: { side: 'buy', qty: 60, ref_price: 1450.5, notional: 87030 },
    },
    rationale: result('rationale', RAW_RATIONALE, i),
    policy: { ...result('policy', RAW_POLICY, i), mode: 'enforce', gate_disabled: false, effective: 'allow', would: null, fail_reason: null },
  })
}

/** `count` forecast rows of one symbol on consecutive days from `start`, each with its features.llm. */
export function sampleForecastRows(count: number, symbol = 'SPX', start = Date.UTC(2001, 0, 1)): ForecastRow[] {
  return Array.from({ length: count }, (_, i) => {
    const asof = new Date(start + i * 86_400_000)
    const mu = 0.0004 + (i % 13) * 1e-5
    return {
      symbol,
      asof,
      horizon: 1,
      model_version: 'ewma-bench',
      mu,
      sigma: 0.011,
      p_up: 0.52,
      q05: mu - 0.018,
      q95: mu + 0.018,
      features: { llm: sampleFeatures(symbol, asof, i) },
    }
  })
}
