import type { Db } from '@pulsetrade/db'

export const SEED_SYMBOLS = ['SPX', 'AAPL', 'MSFT', 'NVDA', 'TSLA']
/** First bar of the seed; bar i is i hours later. */
export const SEED_START = '2024-01-01T00:00:00Z'

/**
 * Inserts forecasts 1..n (one SQL statement each for forecasts and orders, so 100,000 rows take
 * seconds) in the shape the forecast worker writes, with a deterministic mix keyed on the bar
 * number i:
 * - symbol: `symbols[i % symbols.length]`; asof: SEED_START + i hours;
 * - no order when i % 4 = 0 (verdict no_order); otherwise a buy (i odd) or sell of (i % 7) + 1;
 * - mode shadow when i % 10 = 0, else enforce; policy prompt version 1.1.0 when i % 5 = 1, else 1.0.0;
 * - enforce: deny when i % 3 = 0 (LLM_DENY), pending when i % 997 = 0, else allow (LLM_ALLOW);
 *   shadow: allowed, would_deny when i % 3 = 0;
 * - realized_return (i % 11 - 5) / 1000 on even i (odd i unresolved);
 * - one order per forecast with an order: filled at 100 (+ i % 3) when allowed, denied otherwise,
 *   created at the bar's time.
 * Returns the ids of the new forecasts in bar order.
 */
export async function seedDecisions(db: Db, n: number, o: { symbols?: string[]; offset?: number } = {}): Promise<number[]> {
  const symbols = o.symbols ?? SEED_SYMBOLS
  const offset = o.offset ?? 0
  const { rows } = await db.query<{ id: string }>(
    `WITH g AS (
       SELECT i, ($2::text[])[1 + i % array_length($2::text[], 1)] AS symbol, $3::timestamptz + i * interval '1 hour' AS asof,
              i % 4 <> 0 AS has_order, CASE WHEN i % 2 = 1 THEN 'buy' ELSE 'sell' END AS side, (i % 7) + 1 AS qty,
              CASE WHEN i % 10 = 0 THEN 'shadow' ELSE 'enforce' END AS mode,
              CASE WHEN i % 5 = 1 THEN '1.1.0' ELSE '1.0.0' END AS version,
              CASE WHEN i % 3 = 0 THEN 'deny' ELSE 'allow' END AS decision
         FROM generate_series($4::int + 1, $4::int + $1::int) AS i),
     v AS (
       SELECT g.*,
              CASE WHEN NOT has_order THEN 'no_order'
                   WHEN mode = 'shadow' THEN 'allow'
                   WHEN i % 997 = 0 THEN 'pending'
                   ELSE decision END AS effective,
              CASE WHEN mode = 'shadow' AND has_order THEN 'would_' || decision END AS would
         FROM g)
     INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features, realized_return, resolved_at)
     SELECT symbol, asof, 1, 'ewma-rm-1', 0.001, 0.01, 0.5 + (i % 9 - 4) / 100.0, -0.015, 0.017,
            jsonb_build_object('llm', jsonb_build_object(
              'model', 'Lexi',
              'inputs', jsonb_build_object(
                'symbol', symbol, 'asof', to_char(asof AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'horizon', 1,
                'forecast', jsonb_build_object('mu', 0.001, 'sigma', 0.01, 'p_up', 0.5, 'q05', -0.015, 'q95', 0.017),
                'signals', jsonb_build_object('ret_1', 0.002, 'ret_5', 0.01, 'ret_20', 0.03, 'vol_20', 0.009, 'rsi_14', 61, 'zscore_20', 1.1, 'volume_ratio', 1.05),
                'order', CASE WHEN has_order THEN jsonb_build_object('side', side, 'qty', qty, 'ref_price', 100, 'notional', 100 * qty) END),
              'rationale', jsonb_build_object(
                'prompt', 'rationale', 'version', '1.0.0', 'hash', 'hash-rationale-1.0.0', 'arm', NULL, 'bucket', NULL, 'ok', true,
                'valid_json', true, 'repaired', false, 'cached', false,
                'parsed', jsonb_build_object('summary', 'Bar ' || i || ': mild momentum in ' || symbol || '.', 'drivers', jsonb_build_array('5-bar return +1.00 %'),
                                             'risks', jsonb_build_array('vol_20 0.90 %'), 'confidence', 0.6),
                'raw', '{"summary":"Bar ' || i || '"}', 'finish_reason', 'stop', 'latency_ms', 40,
                'usage', jsonb_build_object('prompt_tokens', 300, 'completion_tokens', 60), 'request_id', 'req-r-' || i, 'error', NULL),
              'policy', jsonb_build_object(
                'prompt', 'policy', 'version', version, 'hash', 'hash-policy-' || version, 'arm', NULL, 'bucket', NULL, 'ok', true,
                'valid_json', true, 'repaired', false, 'cached', false,
                'parsed', jsonb_build_object('decision', decision, 'size_factor', 1, 'reason', 'seeded ' || decision, 'risk_flags', jsonb_build_array()),
                'raw', '{"decision":"' || decision || '","size_factor":1,"reason":"seeded ' || decision || '","risk_flags":[]}',
                'finish_reason', 'stop', 'latency_ms', 30, 'usage', jsonb_build_object('prompt_tokens', 280, 'completion_tokens', 40),
                'request_id', 'req-p-' || i, 'error', NULL,
                'mode', mode, 'gate_disabled', false, 'effective', effective, 'would', would,
                'fail_reason', CASE WHEN effective = 'deny' THEN 'llm_denied' END))),
            CASE WHEN i % 2 = 0 THEN (i % 11 - 5) / 1000.0 END,
            CASE WHEN i % 2 = 0 THEN asof + interval '1 day' END
       FROM v ORDER BY i
     RETURNING id`,
    [n, symbols, SEED_START, offset],
  )
  const ids = rows.map((r) => Number(r.id))
  await db.query(
    `INSERT INTO orders (forecast_id, symbol, side, qty, ref_price, status, gate, mode, fill_price, created_at, updated_at)
     SELECT f.id, f.symbol, o->>'side', (o->>'qty')::float8, 100,
            CASE WHEN p->>'effective' = 'allow' THEN 'filled' WHEN p->>'effective' = 'pending' THEN 'proposed' ELSE 'denied' END,
            jsonb_build_object('effective', CASE WHEN p->>'effective' = 'pending' THEN 'deny' ELSE p->>'effective' END, 'would', p->'would',
              'mode', p->>'mode', 'fail_reason', p->'fail_reason',
              'reason_code', CASE WHEN p->>'mode' = 'shadow' THEN upper('shadow_' || (p->>'would')) WHEN p->>'effective' = 'deny' THEN 'LLM_DENY' ELSE 'LLM_ALLOW' END,
              'steps', jsonb_build_array(
                jsonb_build_object('step', 'risk', 'verdict', 'allow', 'code', 'RISK_OK', 'reason', '9 checks passed'),
                jsonb_build_object('step', 'llm', 'verdict', CASE WHEN p->>'mode' = 'shadow' THEN p->>'would' ELSE p->>'effective' END,
                                   'code', CASE WHEN p->'parsed'->>'decision' = 'deny' THEN 'LLM_DENY' ELSE 'LLM_ALLOW' END, 'reason', 'seeded'))),
            p->>'mode', CASE WHEN p->>'effective' = 'allow' THEN 100 + f.id % 3 END, f.asof, f.asof
       FROM forecasts f, LATERAL (SELECT f.features->'llm'->'inputs'->'order' AS o, f.features->'llm'->'policy' AS p) x
      WHERE f.id = ANY($1::bigint[]) AND o IS NOT NULL AND jsonb_typeof(o) = 'object'`,
    [ids],
  )
  return ids
}
