import type { LlmInputs } from '@pulsetrade/llm'
import type { EvalRecord } from '../src/eval-record'
import type { EvalTarget } from '../src/eval-targets'
import { EVAL_PROMPTS } from '../src/eval-targets'

export const target = (prompt: 'rationale' | 'policy', version: string): EvalTarget => ({
  prompt,
  version,
  hash: `${prompt}-${version}-hash`,
  label: `${prompt}@${version}`,
  schema: EVAL_PROMPTS[prompt],
})

export const INPUTS: LlmInputs = {
  symbol: 'SPX',
  asof: '2020-01-02T00:00:00.000Z',
  horizon: 1,
  forecast: { mu: 0.001, sigma: 0.01, p_up: 0.6, q05: -0.015, q95: 0.017 },
  signals: { ret_1: 0, ret_5: 0.01, ret_20: 0.02, vol_20: 0.01, rsi_14: 55, zscore_20: 0.3, volume_ratio: 1 },
  order: { side: 'buy', qty: 1, ref_price: 100, notional: 100 },
}

/** A record with sensible defaults; tests override what they look at. */
export function record(t: EvalTarget, itemId: string, over: Partial<EvalRecord> = {}): EvalRecord {
  return {
    item_id: itemId,
    arm: t.label,
    prompt: t.prompt,
    version: t.version,
    hash: t.hash,
    started_ms: 0,
    finished_ms: 100,
    latency_ms: 100,
    tokens: { prompt: 1000, completion: 100 },
    ok: true,
    json_valid_first_try: true,
    json_valid_after_repair: true,
    schema_valid_first_try: true,
    schema_valid: true,
    repaired: false,
    cached: false,
    finish_reason: 'stop',
    decision: t.prompt === 'policy' ? 'allow' : 'confident_up',
    score: 0.8,
    error_code: null,
    error_message: null,
    request_id: null,
    first_raw: '{"answer":1}',
    raw: '{"answer":1}',
    parsed: { answer: 1 },
    inputs: INPUTS,
    p_up: 0.6,
    order_side: 'buy',
    realized_return: 0.01,
    ...over,
  }
}
