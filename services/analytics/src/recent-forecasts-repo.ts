import type { Db } from '@pulsetrade/db'

/** One recent forecast with its LLM decision, rationale summary and validity (features.llm). */
export interface RecentForecast {
  id: number
  symbol: string
  asof: string
  horizon: number
  model_version: string
  mu: number
  sigma: number
  p_up: number
  realized_return: number | null
  created_at: string
  /** Side of the proposed order, or null when none was proposed. */
  side: string | null
  decision: string | null
  effective: string | null
  mode: string | null
  would: string | null
  fail_reason: string | null
  rationale: string | null
  confidence: number | null
  valid: { rationale: boolean | null; policy: boolean | null }
  versions: { rationale: string | null; policy: string | null }
}

interface Row extends Omit<RecentForecast, 'asof' | 'created_at' | 'valid' | 'versions'> {
  asof: Date
  created_at: Date
  rationale_valid: boolean | null
  policy_valid: boolean | null
  rationale_version: string | null
  policy_version: string | null
}

/** Most recent forecasts first (by asof, then id), optionally for one symbol. */
export async function listRecentForecasts(db: Db, opts: { limit: number; symbol?: string | undefined }): Promise<RecentForecast[]> {
  const { rows } = await db.query<Row>(
    `SELECT f.id, f.symbol, f.asof, f.horizon, f.model_version, f.mu, f.sigma, f.p_up, f.realized_return, f.created_at,
            l->'inputs'->'order'->>'side'                 AS side,
            l->'policy'->'parsed'->>'decision'            AS decision,
            l->'policy'->>'effective'                     AS effective,
            l->'policy'->>'mode'                          AS mode,
            l->'policy'->>'would'                         AS would,
            l->'policy'->>'fail_reason'                   AS fail_reason,
            l->'rationale'->'parsed'->>'summary'          AS rationale,
            (l->'rationale'->'parsed'->>'confidence')::float8 AS confidence,
            (l->'rationale'->>'valid_json')::boolean      AS rationale_valid,
            (l->'policy'->>'valid_json')::boolean         AS policy_valid,
            l->'rationale'->>'version'                    AS rationale_version,
            l->'policy'->>'version'                       AS policy_version
       FROM forecasts f CROSS JOIN LATERAL (SELECT f.features->'llm' AS l) x
      WHERE ($2::text IS NULL OR f.symbol = $2)
      ORDER BY f.asof DESC, f.id DESC
      LIMIT $1`,
    [opts.limit, opts.symbol ?? null],
  )
  return rows.map(({ asof, created_at, rationale_valid, policy_valid, rationale_version, policy_version, ...r }) => ({
    ...r,
    asof: asof.toISOString(),
    created_at: created_at.toISOString(),
    valid: { rationale: rationale_valid, policy: policy_valid },
    versions: { rationale: rationale_version, policy: policy_version },
  }))
}
