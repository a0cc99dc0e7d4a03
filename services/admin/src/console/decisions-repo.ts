import type { Db } from '@pulsetrade/db'

export const VERDICTS = ['allow', 'deny', 'reduce_only_allowed', 'no_order', 'pending'] as const
export const MODES = ['enforce', 'shadow'] as const

export type Verdict = (typeof VERDICTS)[number]
/** A stored effective value as a verdict; anything else (a row older than the values of migration 0050) reads null. */
const verdictOf = (v: unknown): Verdict | null => ((VERDICTS as readonly unknown[]).includes(v) ? (v as Verdict) : null)

export interface DecisionFilter {
  limit: number
  before?: number | undefined
  symbol?: string | undefined
  verdict?: Verdict | undefined
  mode?: (typeof MODES)[number] | undefined
}

export interface DecisionItem {
  id: number
  symbol: string
  asof: string
  p_up: number
  proposed: { side: string; qty: number } | null
  verdict: Verdict | null
  reason_codes: string[]
  mode: string | null
  prompt_version: string | null
}

interface GateStepRow {
  code?: unknown
}

/** The code of each gate step of an order (`RISK_OK`, `LLM_DENY`, …), in order; none without an order. */
const reasonCodes = (steps: unknown): string[] =>
  Array.isArray(steps) ? (steps as GateStepRow[]).map((s) => s.code).filter((c): c is string => typeof c === 'string') : []

const proposedOf = (order: unknown): DecisionItem['proposed'] => {
  const o = order as { side?: unknown; qty?: unknown } | null
  return o !== null && typeof o === 'object' && typeof o.side === 'string' && typeof o.qty === 'number' ? { side: o.side, qty: o.qty } : null
}

// The verdict and mode filters use the expression indexes of migration 0070 (same expressions).
const VERDICT_SQL = "f.features->'llm'->'policy'->>'effective'"
const MODE_SQL = "f.features->'llm'->'policy'->>'mode'"

/**
 * Recent forecasts with their gate outcome, newest first, keyset-paginated on id: each page is an
 * index range scan (primary key, or (symbol, id), (verdict, id), (mode, id)) that stops after
 * `limit` rows, whatever the table's size. Only the filters given are in the SQL.
 */
export async function listDecisions(db: Db, f: DecisionFilter): Promise<{ items: DecisionItem[]; next_before: number | null }> {
  const where: string[] = []
  const params: unknown[] = []
  const add = (sql: string, value: unknown): void => {
    params.push(value)
    where.push(sql.replace('?', `$${params.length}`))
  }
  if (f.before !== undefined) add('f.id < ?', f.before)
  if (f.symbol !== undefined) add('f.symbol = ?', f.symbol)
  if (f.verdict !== undefined) add(`${VERDICT_SQL} = ?`, f.verdict)
  if (f.mode !== undefined) add(`${MODE_SQL} = ?`, f.mode)
  params.push(f.limit)
  const { rows } = await db.query<{
    id: string
    symbol: string
    asof: Date
    p_up: number
    proposed: unknown
    verdict: string | null
    mode: string | null
    prompt_version: string | null
    steps: unknown
  }>(
    `SELECT f.id, f.symbol, f.asof, f.p_up, f.features->'llm'->'inputs'->'order' AS proposed,
            ${VERDICT_SQL} AS verdict, ${MODE_SQL} AS mode, f.features->'llm'->'policy'->>'version' AS prompt_version,
            o.gate->'steps' AS steps
       FROM (SELECT f.* FROM forecasts f ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY f.id DESC LIMIT $${params.length}) f
       LEFT JOIN orders o ON o.forecast_id = f.id
      ORDER BY f.id DESC`,
    params,
  )
  const items = rows.map((r) => ({
    id: Number(r.id),
    symbol: r.symbol,
    asof: r.asof.toISOString(),
    p_up: r.p_up,
    proposed: proposedOf(r.proposed),
    verdict: verdictOf(r.verdict),
    reason_codes: reasonCodes(r.steps),
    mode: r.mode,
    prompt_version: r.prompt_version,
  }))
  return { items, next_before: items.length === f.limit ? items[items.length - 1]!.id : null }
}

export interface DecisionDetail {
  id: number
  symbol: string
  asof: string
  p_up: number
  mu: number
  sigma: number
  verdict: Verdict | null
  reason_codes: string[]
  mode: string | null
  rationale: string | null
  rationale_detail: Record<string, unknown> | null
  policy: Record<string, unknown> | null
  raw: string | null
  prompt: { name: string; version: string; hash: string } | null
  inputs: Record<string, unknown> | null
  orders: Array<{ id: number; side: string; qty: number; status: string; mode: string; gate: Record<string, unknown> }>
}

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null)
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/** One forecast's whole decision: rationale, the policy's answer and raw text, its prompt, inputs and orders. Null when unknown. */
export async function getDecision(db: Db, id: number): Promise<DecisionDetail | null> {
  const f = (
    await db.query<{ id: string; symbol: string; asof: Date; p_up: number; mu: number; sigma: number; llm: unknown }>(
      "SELECT id, symbol, asof, p_up, mu, sigma, features->'llm' AS llm FROM forecasts WHERE id = $1",
      [id],
    )
  ).rows[0]
  if (f === undefined) return null
  const orders = (
    await db.query<{ id: string; side: string; qty: number; status: string; mode: string; gate: Obj }>(
      'SELECT id, side, qty, status, mode, gate FROM orders WHERE forecast_id = $1 ORDER BY id',
      [id],
    )
  ).rows.map((o) => ({ ...o, id: Number(o.id) }))
  const llm = obj(f.llm)
  const policy = obj(llm?.policy)
  const rationale = obj(llm?.rationale)
  const parsedRationale = obj(rationale?.parsed)
  const name = str(policy?.prompt)
  const version = str(policy?.version)
  const hash = str(policy?.hash)
  return {
    id: Number(f.id),
    symbol: f.symbol,
    asof: f.asof.toISOString(),
    p_up: f.p_up,
    mu: f.mu,
    sigma: f.sigma,
    verdict: verdictOf(policy?.effective),
    reason_codes: reasonCodes(orders[0]?.gate.steps),
    mode: str(policy?.mode),
    rationale: str(parsedRationale?.summary),
    rationale_detail:
      rationale === null
        ? null
        : {
            ...(parsedRationale ?? {}),
            ...(rationale.grounding === undefined ? {} : { grounding: rationale.grounding }),
            prompt: { name: str(rationale.prompt), version: str(rationale.version), hash: str(rationale.hash) },
            error: rationale.error ?? null,
          },
    policy:
      policy === null
        ? null
        : {
            ...(obj(policy.parsed) ?? {}),
            effective: policy.effective ?? null,
            would: policy.would ?? null,
            fail_reason: policy.fail_reason ?? null,
            mode: policy.mode ?? null,
            gate_disabled: policy.gate_disabled ?? null,
            ok: policy.ok ?? null,
            valid_json: policy.valid_json ?? null,
            error: policy.error ?? null,
            ...(policy.samples === undefined ? {} : { samples: policy.samples }),
          },
    raw: str(policy?.raw),
    prompt: name !== null && version !== null && hash !== null ? { name, version, hash } : null,
    inputs: obj(llm?.inputs),
    orders,
  }
}
