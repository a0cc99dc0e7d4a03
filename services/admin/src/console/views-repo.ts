import type { Db } from '@pulsetrade/db'

export type Bucket = 'hour' | 'day'
export interface OutcomeCell {
  n: number
  pnl: number
}
export interface OutcomePoint {
  t: string
  allowed: OutcomeCell
  denied: OutcomeCell
  would_deny: OutcomeCell
}

/**
 * Orders per time bucket (of their creation, UTC), in three kinds: `allowed` (placed and filled,
 * the LLM agreeing or not asked), `would_deny` (placed and filled although the LLM would have
 * denied it: shadow mode, or the gate disabled) and `denied` (the gate refused it; never placed).
 * `pnl` sums realized_return × signed notional (buy +, sell −; qty × fill price, or the reference
 * price for a denied order: what it would have made) over the orders whose forecast is resolved;
 * `n` counts them all. Risk-reducing orders (exits) are left out, as in the shadow report.
 */
export async function outcomeSeries(db: Db, o: { bucket: Bucket; since: Date; until: Date }): Promise<OutcomePoint[]> {
  const { rows } = await db.query<{ t: Date; kind: 'allowed' | 'denied' | 'would_deny'; n: number; pnl: number }>(
    `SELECT date_trunc($1, o.created_at, 'UTC') AS t,
            CASE WHEN o.gate->>'effective' = 'deny' THEN 'denied' WHEN o.gate->>'would' = 'would_deny' THEN 'would_deny' ELSE 'allowed' END AS kind,
            count(*)::int AS n,
            COALESCE(sum(f.realized_return * (CASE WHEN o.side = 'buy' THEN 1 ELSE -1 END) * o.qty * COALESCE(o.fill_price, o.ref_price, 0)), 0)::float8 AS pnl
       FROM orders o JOIN forecasts f ON f.id = o.forecast_id
      WHERE o.created_at >= $2 AND o.created_at < $3
        AND ((o.gate->>'effective' = 'allow' AND o.status = 'filled') OR (o.gate->>'effective' = 'deny' AND o.status = 'denied'))
      GROUP BY 1, 2
      ORDER BY 1`,
    [o.bucket, o.since, o.until],
  )
  const zero = (): OutcomeCell => ({ n: 0, pnl: 0 })
  const points = new Map<number, OutcomePoint>()
  for (const r of rows) {
    const key = r.t.getTime()
    let p = points.get(key)
    if (p === undefined) {
      p = { t: r.t.toISOString(), allowed: zero(), denied: zero(), would_deny: zero() }
      points.set(key, p)
    }
    p[r.kind] = { n: r.n, pnl: r.pnl }
  }
  return [...points.values()]
}

export interface CallStats {
  calls: number
  p50_ms: number | null
  p95_ms: number | null
}

/** Upstream calls (llm_calls rows, every process) per prompt version over the last `windowS` seconds. */
export async function callStatsByVersion(db: Db, windowS: number): Promise<Map<string, CallStats>> {
  const { rows } = await db.query<{ prompt: string; version: string; calls: number; p50: number | null; p95: number | null }>(
    `SELECT prompt, version, count(*)::int AS calls,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
       FROM llm_calls WHERE created_at > now() - $1 * interval '1 second'
      GROUP BY prompt, version`,
    [windowS],
  )
  const ms = (v: number | null): number | null => (v === null ? null : Math.round(v))
  return new Map(rows.map((r) => [`${r.prompt}\n${r.version}`, { calls: r.calls, p50_ms: ms(r.p50), p95_ms: ms(r.p95) }]))
}

/**
 * The canary's shared counters per arm (llm_arm_stats: since the arm started or was last resumed,
 * every process): the share of answers that were valid without repair.
 */
export async function armValidity(db: Db): Promise<Map<string, { n: number; valid_rate: number | null }>> {
  const { rows } = await db.query<{ prompt: string; version: string; n: string; failed: string }>('SELECT prompt, version, n, failed FROM llm_arm_stats')
  return new Map(
    rows.map((r) => {
      const n = Number(r.n)
      return [`${r.prompt}\n${r.version}`, { n, valid_rate: n > 0 ? (n - Number(r.failed)) / n : null }]
    }),
  )
}

/** Prompt versions with an open canary stop. */
export async function stoppedArms(db: Db): Promise<Set<string>> {
  const { rows } = await db.query<{ prompt: string; version: string }>('SELECT prompt, version FROM llm_arm_stops WHERE resumed_at IS NULL')
  return new Set(rows.map((r) => `${r.prompt}\n${r.version}`))
}

export interface AuditItem {
  id: number
  actor: string
  action: string
  reason: string | null
  details: Record<string, unknown>
  created_at: string
}

/** audit_log newest first, keyset on id (primary key, or (action, id) with an action). */
export async function listAudit(
  db: Db,
  o: { limit: number; before?: number | undefined; action?: string | undefined },
): Promise<{ items: AuditItem[]; next_before: number | null }> {
  const where: string[] = []
  const params: unknown[] = []
  if (o.before !== undefined) {
    params.push(o.before)
    where.push(`id < $${params.length}`)
  }
  if (o.action !== undefined) {
    params.push(o.action)
    where.push(`action = $${params.length}`)
  }
  params.push(o.limit)
  const { rows } = await db.query<{ id: string; actor: string; action: string; reason: string | null; details: Record<string, unknown>; created_at: Date }>(
    `SELECT id, actor, action, reason, details, created_at FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT $${params.length}`,
    params,
  )
  const items = rows.map((r) => ({ ...r, id: Number(r.id), created_at: r.created_at.toISOString() }))
  return { items, next_before: items.length === o.limit ? items[items.length - 1]!.id : null }
}
