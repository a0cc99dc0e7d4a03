import type { Db } from '@pulsetrade/db'

/** Quality and latency of one prompt version over a window. */
export interface PromptVersionStats {
  prompt: string
  version: string
  /** Upstream calls (llm_calls rows: one per attempt). */
  calls: number
  calls_ok: number
  latency_ms: { p50: number | null; p95: number | null }
  tokens: { prompt: number; completion: number }
  errors: Record<string, number>
  /** Results stored on forecasts (features.llm.rationale / .policy). */
  results: number
  valid_json: number
  valid_json_rate: number | null
  repaired: number
  /** The model's decisions (policy) and what happened to each forecast's order (docs/trading.md, Policy values). */
  decisions: { allow: number; deny: number; none: number }
  effective: PolicyEffectiveCounts
}

/** One count per features.llm.policy.effective value; only `deny` counts denials. */
export interface PolicyEffectiveCounts {
  allow: number
  deny: number
  reduce_only_allowed: number
  no_order: number
  pending: number
}
const NO_EFFECTIVE: PolicyEffectiveCounts = { allow: 0, deny: 0, reduce_only_allowed: 0, no_order: 0, pending: 0 }

const ZERO = (prompt: string, version: string): PromptVersionStats => ({
  prompt,
  version,
  calls: 0,
  calls_ok: 0,
  latency_ms: { p50: null, p95: null },
  tokens: { prompt: 0, completion: 0 },
  errors: {},
  results: 0,
  valid_json: 0,
  valid_json_rate: null,
  repaired: 0,
  decisions: { allow: 0, deny: 0, none: 0 },
  effective: { ...NO_EFFECTIVE },
})

/** Per prompt version over the last `windowSeconds`: from llm_calls and forecasts.features->'llm'. */
export async function llmStats(db: Db, windowSeconds: number): Promise<PromptVersionStats[]> {
  const since = 'now() - make_interval(secs => $1)'
  const [calls, errors, results] = await Promise.all([
    db.query<{ prompt: string; version: string; calls: number; ok: number; p50: number | null; p95: number | null; pt: number; ct: number }>(
      `SELECT prompt, version, count(*)::int AS calls, count(*) FILTER (WHERE ok)::int AS ok,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
              coalesce(sum(prompt_tokens), 0)::float8 AS pt, coalesce(sum(completion_tokens), 0)::float8 AS ct
         FROM llm_calls WHERE created_at >= ${since} GROUP BY prompt, version`,
      [windowSeconds],
    ),
    db.query<{ prompt: string; version: string; code: string; n: number }>(
      `SELECT prompt, version, coalesce(error_code, 'unknown') AS code, count(*)::int AS n
         FROM llm_calls WHERE created_at >= ${since} AND NOT ok GROUP BY 1, 2, 3`,
      [windowSeconds],
    ),
    db.query<
      { prompt: string; version: string; n: number; valid: number; repaired: number; allow: number; deny: number } & Record<
        `e_${keyof PolicyEffectiveCounts}`,
        number
      >
    >(
      `SELECT p.name AS prompt, p.r->>'version' AS version, count(*)::int AS n,
              count(*) FILTER (WHERE (p.r->>'valid_json')::boolean)::int AS valid,
              count(*) FILTER (WHERE (p.r->>'repaired')::boolean)::int AS repaired,
              count(*) FILTER (WHERE p.r->'parsed'->>'decision' = 'allow')::int AS allow,
              count(*) FILTER (WHERE p.r->'parsed'->>'decision' = 'deny')::int AS deny,
              count(*) FILTER (WHERE p.r->>'effective' = 'allow')::int AS e_allow,
              count(*) FILTER (WHERE p.r->>'effective' = 'deny')::int AS e_deny,
              count(*) FILTER (WHERE p.r->>'effective' = 'reduce_only_allowed')::int AS e_reduce_only_allowed,
              count(*) FILTER (WHERE p.r->>'effective' = 'no_order')::int AS e_no_order,
              count(*) FILTER (WHERE p.r->>'effective' = 'pending')::int AS e_pending
         FROM forecasts f
         CROSS JOIN LATERAL (VALUES ('rationale', f.features->'llm'->'rationale'), ('policy', f.features->'llm'->'policy')) AS p(name, r)
        WHERE f.created_at >= ${since} AND p.r IS NOT NULL AND p.r->>'version' IS NOT NULL
        GROUP BY 1, 2`,
      [windowSeconds],
    ),
  ])
  const out = new Map<string, PromptVersionStats>()
  const at = (prompt: string, version: string): PromptVersionStats => {
    const k = `${prompt}@${version}`
    let s = out.get(k)
    if (s === undefined) {
      s = ZERO(prompt, version)
      out.set(k, s)
    }
    return s
  }
  for (const r of calls.rows) {
    Object.assign(at(r.prompt, r.version), {
      calls: r.calls,
      calls_ok: r.ok,
      latency_ms: { p50: r.p50, p95: r.p95 },
      tokens: { prompt: r.pt, completion: r.ct },
    })
  }
  for (const r of errors.rows) at(r.prompt, r.version).errors[r.code] = r.n
  for (const r of results.rows) {
    const s = at(r.prompt, r.version)
    s.results = r.n
    s.valid_json = r.valid
    s.valid_json_rate = r.n === 0 ? null : r.valid / r.n
    s.repaired = r.repaired
    if (r.prompt === 'policy') {
      s.decisions = { allow: r.allow, deny: r.deny, none: r.n - r.allow - r.deny }
      s.effective = { allow: r.e_allow, deny: r.e_deny, reduce_only_allowed: r.e_reduce_only_allowed, no_order: r.e_no_order, pending: r.e_pending }
    }
  }
  return [...out.values()].sort((a, b) => a.prompt.localeCompare(b.prompt) || a.version.localeCompare(b.version))
}
