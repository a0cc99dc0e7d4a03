import { FeaturesLlmSchema, type FeaturesLlm } from '@pulsetrade/llm'
import type { Db } from '@pulsetrade/db'

export interface SeedOptions {
  symbol?: string
  /** First bar date; each next row is one day later. */
  start?: Date
  decision?: 'allow' | 'deny'
  validJson?: boolean
  version?: string
}

const result = <T>(prompt: string, version: string, parsed: T | null, validJson: boolean) => ({
  prompt,
  version,
  hash: `hash-${prompt}-${version}`,
  arm: null,
  bucket: null,
  ok: validJson,
  valid_json: validJson,
  repaired: false,
  cached: false,
  parsed: validJson ? parsed : null,
  raw: validJson ? JSON.stringify(parsed) : '{"decis',
  finish_reason: 'stop',
  latency_ms: 42,
  usage: { prompt_tokens: 300, completion_tokens: 60 },
  request_id: 'req-1',
  error: validJson ? null : { code: 'LLM_ERR_INVALID_JSON', message: 'invalid JSON' },
})

/** A features.llm document that passes the writers' contract (FeaturesLlmSchema). */
export function featuresLlm(symbol: string, asof: Date, o: SeedOptions = {}): FeaturesLlm {
  const decision = o.decision ?? 'allow'
  const valid = o.validJson ?? true
  const version = o.version ?? '1.0.0'
  return FeaturesLlmSchema.parse({
    model: 'Lexi',
    inputs: {
      symbol,
      asof: asof.toISOString(),
      horizon: 1,
      forecast: { mu: 0.001, sigma: 0.01, p_up: 0.54, q05: -0.015, q95: 0.017 },
      signals: { ret_1: 0.002, ret_5: 0.01, ret_20: 0.03, vol_20: 0.009, rsi_14: 61, zscore_20: 1.1, volume_ratio: 1.05 },
      order: { side: 'buy', qty: 10, ref_price: 3300, notional: 33_000 },
    },
    rationale: result(
      'rationale',
      version,
      { summary: `Mild upside for ${symbol}.`, drivers: ['5-bar return +1.00 %'], risks: ['vol_20 0.90 %'], confidence: 0.6 },
      valid,
    ),
    policy: {
      ...result('policy', '1.0.0', { decision, size_factor: 1, reason: 'edge is small but positive', risk_flags: [] }, valid),
      mode: 'enforce',
      gate_disabled: false,
      effective: valid ? decision : 'deny',
      would: null,
      fail_reason: valid ? (decision === 'deny' ? 'llm_denied' : null) : 'invalid_json',
    },
  })
}

/** Inserts `n` forecasts (one per day) and returns their ids in insertion order. */
export async function seedForecasts(db: Db, n: number, o: SeedOptions = {}): Promise<number[]> {
  const symbol = o.symbol ?? 'SPX'
  const start = o.start ?? new Date('2020-01-01T00:00:00Z')
  const ids: number[] = []
  for (let i = 0; i < n; i++) {
    const asof = new Date(start.getTime() + i * 86_400_000)
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features)
       VALUES ($1, $2, 1, 'ewma-rm-1', 0.001, 0.01, 0.54, -0.015, 0.017, $3) RETURNING id`,
      [symbol, asof, JSON.stringify({ llm: featuresLlm(symbol, asof, o) })],
    )
    ids.push(rows[0]!.id)
  }
  return ids
}
