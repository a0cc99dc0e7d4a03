-- features.llm.policy.effective and orders.gate in the values the gate writes since this migration
-- (docs/trading.md, "Policy values"). Before it, the enricher gated every forecast as if for an
-- order (one lot when none was proposed) and the placement gated it again; the two could disagree,
-- so rows without an order said `deny` and exits that filled said `deny` too. Only rows in the old
-- shape are touched, so running this file twice changes nothing.

-- 1. orders.gate: a risk-reducing order allowed without the LLM says so.
UPDATE orders
   SET gate = jsonb_set(gate, '{effective}', '"reduce_only_allowed"')
 WHERE gate->>'effective' = 'allow' AND gate->>'reason_code' = 'RISK_REDUCING';

-- 2. orders.gate checks and steps carry their code as a field. Rows written before stored it only
--    as the reason's prefix ("RISK_MAX_NOTIONAL: notional=…"); this one-time split is the last place
--    that reads a code out of a reason, so nothing after it has to.
CREATE OR REPLACE FUNCTION pg_temp.with_code (items jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_agg(
           CASE WHEN e ? 'code' OR NOT (e->>'reason' ~ '^[A-Z][A-Z0-9_]*: ') THEN e
                ELSE e || jsonb_build_object('code', split_part(e->>'reason', ': ', 1),
                                             'reason', substr(e->>'reason', length(split_part(e->>'reason', ': ', 1)) + 3))
           END ORDER BY n), '[]'::jsonb)
    FROM jsonb_array_elements(items) WITH ORDINALITY AS x(e, n)
$$;

UPDATE orders
   SET gate = gate || jsonb_build_object('checks', pg_temp.with_code(gate->'checks'))
 WHERE jsonb_typeof(gate->'checks') = 'array'
   AND EXISTS (SELECT 1 FROM jsonb_array_elements(gate->'checks') c WHERE NOT c ? 'code');

UPDATE orders
   SET gate = gate || jsonb_build_object('steps', pg_temp.with_code(gate->'steps'))
 WHERE jsonb_typeof(gate->'steps') = 'array'
   AND EXISTS (SELECT 1 FROM jsonb_array_elements(gate->'steps') s WHERE NOT s ? 'code');

-- 3. Forecasts with a placed order: the policy record is the order's one verdict.
UPDATE forecasts f
   SET features = jsonb_set(f.features, '{llm,policy}', (f.features->'llm'->'policy') || jsonb_build_object(
         'effective', o.gate->'effective',
         'would', coalesce(o.gate->'would', 'null'::jsonb),
         'fail_reason', coalesce(o.gate->'fail_reason', 'null'::jsonb),
         'mode', coalesce(o.gate->'mode', f.features->'llm'->'policy'->'mode'),
         'gate_disabled', coalesce(o.gate->'gate_disabled', f.features->'llm'->'policy'->'gate_disabled')))
  FROM orders o
 WHERE o.forecast_id = f.id
   AND jsonb_typeof(f.features->'llm'->'policy') = 'object'
   AND o.gate->>'effective' IN ('allow', 'deny', 'reduce_only_allowed')
   AND (f.features->'llm'->'policy'->'effective', f.features->'llm'->'policy'->'would', f.features->'llm'->'policy'->'fail_reason')
       IS DISTINCT FROM (o.gate->'effective', coalesce(o.gate->'would', 'null'::jsonb), coalesce(o.gate->'fail_reason', 'null'::jsonb));

-- 4. Forecasts without a proposed order: `no_order`. Nothing was gated, so nothing was denied and
--    there is no `would`; a failed or invalid LLM answer keeps its fail_reason.
UPDATE forecasts
   SET features = jsonb_set(features, '{llm,policy}', (features->'llm'->'policy') || jsonb_build_object(
         'effective', 'no_order',
         'would', null,
         'fail_reason', CASE WHEN features->'llm'->'policy'->>'fail_reason' IN ('llm_denied', 'risk_denied') THEN 'null'::jsonb
                             ELSE coalesce(features->'llm'->'policy'->'fail_reason', 'null'::jsonb) END))
 WHERE jsonb_typeof(features->'llm'->'policy') = 'object'
   AND features->'llm'->'policy'->>'effective' IN ('allow', 'deny')
   AND coalesce(jsonb_typeof(features->'llm'->'inputs'->'order'), 'null') = 'null';

-- 5. Forecasts with a proposed order that has no order row yet (the job stopped between the
--    forecast insert and the placement; its retry places it): `pending`.
UPDATE forecasts f
   SET features = jsonb_set(f.features, '{llm,policy}', (f.features->'llm'->'policy') || jsonb_build_object(
         'effective', 'pending',
         'would', null,
         'fail_reason', CASE WHEN f.features->'llm'->'policy'->>'fail_reason' IN ('llm_denied', 'risk_denied') THEN 'null'::jsonb
                             ELSE coalesce(f.features->'llm'->'policy'->'fail_reason', 'null'::jsonb) END))
 WHERE jsonb_typeof(f.features->'llm'->'policy') = 'object'
   AND f.features->'llm'->'policy'->>'effective' IN ('allow', 'deny')
   AND jsonb_typeof(f.features->'llm'->'inputs'->'order') = 'object'
   AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.forecast_id = f.id);
