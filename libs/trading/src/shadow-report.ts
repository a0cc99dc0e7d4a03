import type { Db } from '@pulsetrade/db'

export interface ShadowBucket {
  orders: number
  /** Orders whose forecast has a realized_return. */
  resolved: number
  unresolved: number
  /** Σ realized_return × signed notional (buy +, sell −; notional = qty × fill price) over resolved orders. */
  realized_pnl: number
  notional: number
  /** Resolved orders with a positive P&L. */
  wins: number
  hit_rate: number | null
}

export interface ShadowReport {
  since: string | null
  generated_at: string
  would_allow: ShadowBucket
  would_deny: ShadowBucket & { by_reason: Record<string, ShadowBucket> }
  /**
   * What enforcing the LLM would have changed: −(would_deny realized P&L). Positive means its
   * denials would have saved money; negative means they would have cost money.
   */
  enforce_effect_pnl: number
}

interface Row {
  would: string
  fail_reason: string | null
  orders: number
  resolved: number
  realized_pnl: number
  notional: number
  wins: number
}

const empty = (): ShadowBucket => ({ orders: 0, resolved: 0, unresolved: 0, realized_pnl: 0, notional: 0, wins: 0, hit_rate: null })

function add(b: ShadowBucket, r: Row): ShadowBucket {
  const out = {
    ...b,
    orders: b.orders + r.orders,
    resolved: b.resolved + r.resolved,
    realized_pnl: b.realized_pnl + r.realized_pnl,
    notional: b.notional + r.notional,
    wins: b.wins + r.wins,
  }
  return { ...out, unresolved: out.orders - out.resolved, hit_rate: out.resolved > 0 ? out.wins / out.resolved : null }
}

/**
 * Shadow-mode evidence (GET /llm/admin/shadow-report): filled shadow orders the gate let through
 * as `effective: allow` (risk-increasing: the LLM's opinion would have counted), split by what the
 * LLM would have done (a failed call counts as would_deny, as enforce mode fails closed), with
 * their realized P&L once their forecast is resolved. `reduce_only_allowed` orders (exits, which
 * never wait on the LLM) and denied ones are not in it.
 */
export async function shadowReport(db: Db, opts: { since?: Date | null } = {}): Promise<ShadowReport> {
  const since = opts.since ?? null
  const { rows } = await db.query<Row>(
    `WITH o AS (
       SELECT o.gate->>'would' AS would, o.gate->>'fail_reason' AS fail_reason, f.realized_return AS rr,
              (CASE WHEN o.side = 'buy' THEN 1 ELSE -1 END) * o.qty * COALESCE(o.fill_price, o.ref_price, 0) AS signed_notional
       FROM orders o LEFT JOIN forecasts f ON f.id = o.forecast_id
       WHERE o.mode = 'shadow' AND o.status = 'filled' AND o.gate->>'effective' = 'allow'
         AND o.gate->>'would' IN ('would_allow', 'would_deny')
         AND ($1::timestamptz IS NULL OR o.created_at >= $1))
     SELECT would, fail_reason, count(*)::int AS orders, count(rr)::int AS resolved,
            COALESCE(sum(rr * signed_notional), 0)::float8 AS realized_pnl,
            COALESCE(sum(abs(signed_notional)), 0)::float8 AS notional,
            count(*) FILTER (WHERE rr * signed_notional > 0)::int AS wins
     FROM o GROUP BY would, fail_reason`,
    [since],
  )
  let allow = empty()
  let deny = empty()
  const byReason: Record<string, ShadowBucket> = {}
  for (const r of rows) {
    if (r.would === 'would_allow') {
      allow = add(allow, r)
      continue
    }
    deny = add(deny, r)
    const key = r.fail_reason ?? 'unknown'
    byReason[key] = add(byReason[key] ?? empty(), r)
  }
  return {
    since: since ? since.toISOString() : null,
    generated_at: new Date().toISOString(),
    would_allow: allow,
    would_deny: { ...deny, by_reason: byReason },
    enforce_effect_pnl: deny.realized_pnl === 0 ? 0 : -deny.realized_pnl,
  }
}
