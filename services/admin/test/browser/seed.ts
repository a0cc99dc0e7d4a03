import pino from 'pino'
import type { Db } from '@pulsetrade/db'
import { createLlmClient, loadPromptRegistry, PolicyDecisionSchema, RationaleSchema, type LlmInputs } from '@pulsetrade/llm'
import { PROMPTS_PATH } from '../build-test-app'

export const SYMBOLS = ['SPX', 'NDX', 'AAPL', 'MSFT'] as const
const DAY = 86_400_000

export interface SeededDecision {
  id: number
  symbol: string
  rationale: string
  raw: string
}

interface Variant {
  mode: 'enforce' | 'shadow'
  effective: 'allow' | 'deny'
  would: 'would_allow' | 'would_deny' | null
  codes: string[]
}
const VARIANTS: Variant[] = [
  { mode: 'enforce', effective: 'allow', would: null, codes: ['RISK_OK', 'LLM_ALLOW'] },
  { mode: 'enforce', effective: 'deny', would: null, codes: ['RISK_OK', 'LLM_DENY'] },
  { mode: 'shadow', effective: 'allow', would: 'would_deny', codes: ['RISK_OK', 'SHADOW_WOULD_DENY'] },
  { mode: 'shadow', effective: 'allow', would: 'would_allow', codes: ['RISK_OK', 'SHADOW_WOULD_ALLOW'] },
]

/**
 * Forecasts as the worker writes them: rationale and policy from real calls to the simulator (so a
 * replay rebuilds the same requests), an order with its gate steps, a realized return for the
 * chart, over the last `days` days. Returns the rows in insertion order.
 */
export async function seedDecisions(db: Db, simUrl: string, count: number, days = 20): Promise<SeededDecision[]> {
  const prompts = loadPromptRegistry(PROMPTS_PATH)
  const llm = createLlmClient({ baseURL: `${simUrl}/v1`, timeoutMs: 5000, db, logger: pino({ level: 'silent' }) })
  const out: SeededDecision[] = []
  try {
    for (let i = 0; i < count; i++) {
      const symbol = SYMBOLS[i % SYMBOLS.length]!
      const asof = new Date(Date.now() - (count - i) * ((days * DAY) / count))
      const side = i % 3 === 2 ? 'sell' : 'buy'
      const qty = 5 + (i % 7)
      const refPrice = 100 + i
      const mu = (i % 5) * 0.0004 - 0.0006
      const inputs: LlmInputs = {
        symbol,
        asof: asof.toISOString(),
        horizon: 1,
        forecast: { mu, sigma: 0.011, p_up: 0.45 + (i % 10) * 0.015, q05: mu - 0.018, q95: mu + 0.018 },
        signals: { ret_1: 0.002, ret_5: 0.011, ret_20: 0.024, vol_20: 0.16, rsi_14: 58.3, zscore_20: 0.8, volume_ratio: 1.04 },
        order: { side, qty, ref_price: refPrice, notional: qty * refPrice },
      }
      const unitKey = `${symbol}|${inputs.asof}`
      const [rationale, policy] = await Promise.all([
        llm.structured(prompts.render('rationale', inputs, { unitKey }), RationaleSchema),
        llm.structured(prompts.render('policy', inputs, { unitKey }), PolicyDecisionSchema),
      ])
      const v = VARIANTS[i % VARIANTS.length]!
      const features = {
        llm: {
          model: 'Lexi',
          inputs,
          rationale,
          policy: { ...policy, mode: v.mode, gate_disabled: false, effective: v.effective, would: v.would, fail_reason: null },
        },
      }
      const realized = ((i % 9) - 4) * 0.004
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features, realized_return, resolved_at, created_at)
         VALUES ($1, $2, 1, 'ewma-rm-1', $3, 0.011, $4, $5, $6, $7, $8, $2::timestamptz + interval '1 day', $2) RETURNING id`,
        [symbol, asof, mu, inputs.forecast.p_up, mu - 0.018, mu + 0.018, JSON.stringify(features), realized],
      )
      const id = Number(rows[0]!.id)
      const gate = {
        effective: v.effective,
        qty: v.effective === 'deny' ? 0 : qty,
        reason_code: v.codes.at(-1),
        mode: v.mode,
        gate_disabled: false,
        warn: null,
        would: v.would,
        fail_reason: null,
        steps: v.codes.map((code, k) => ({
          step: k === 0 ? 'risk' : 'llm',
          verdict: code.endsWith('DENY') ? 'deny' : 'allow',
          code,
          reason: code.toLowerCase(),
        })),
      }
      await db.query(
        `INSERT INTO orders (forecast_id, symbol, side, qty, ref_price, status, gate, mode, fill_price, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
        [
          id,
          symbol,
          side,
          qty,
          refPrice,
          v.effective === 'deny' ? 'denied' : 'filled',
          JSON.stringify(gate),
          v.mode,
          v.effective === 'deny' ? null : refPrice,
          asof,
        ],
      )
      out.push({ id, symbol, rationale: rationale.parsed?.summary ?? '', raw: policy.raw })
    }
  } finally {
    await llm.close()
  }
  return out
}

/** Open positions with a recent bar each, so a panic exit can flatten them at a price. */
export async function seedPositions(db: Db): Promise<void> {
  for (const [k, s] of SYMBOLS.slice(0, 3).entries()) {
    await db.query(
      `INSERT INTO market_bars (symbol, ts, open, high, low, close) VALUES ($1, now() - interval '1 hour', 100, 101, 99, 100)
       ON CONFLICT (symbol, ts) DO NOTHING`,
      [s],
    )
    await db.query(
      `INSERT INTO positions (symbol, qty, avg_price, updated_at) VALUES ($1, $2, 100, now())
       ON CONFLICT (symbol) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price, updated_at = now()`,
      [s, k === 1 ? -4 : 10 + k],
    )
  }
}
