import type { EvalRecord } from './eval-record'
import { mcnemarExact, type McNemarResult } from './mcnemar'
import { latencyStats, type LatencyStats } from './percentile'
import type { RunFolder } from './run-folder'

interface Side {
  arm: string
  calls: number
  schema_valid: number | null
  json_valid_first_try: number | null
  errors: number
  latency_ms: LatencyStats
}

export interface ArmComparison {
  a: Side
  b: Side
  /** Items both arms answered (paired by item id). */
  pairs: number
  /** On the paired items: A valid and B not (a_only), the reverse (b_only), exact McNemar p. */
  mcnemar: { schema_valid: McNemarResult; json_valid_first_try: McNemarResult }
  /** Pairs where both gave a decision, and of those how many decided the same. */
  decisions: { both_decided: number; same: number; rate: number | null; changed: Record<string, number> }
}

export interface RunComparison {
  a: RunSummary
  b: RunSummary
  items: { both: number; a_only: number; b_only: number }
  arms: ArmComparison[]
  /** Arms present in one run only, with no counterpart to compare with. */
  unmatched: { a: string[]; b: string[] }
}

interface RunSummary {
  dir: string
  run_id: string | null
  simulated: boolean
  model: string | null
  items_sha256: string | null
  calls: number
}

const rate = (rs: readonly EvalRecord[], f: (r: EvalRecord) => boolean): number | null => (rs.length === 0 ? null : rs.filter(f).length / rs.length)

const side = (arm: string, rs: readonly EvalRecord[]): Side => ({
  arm,
  calls: rs.length,
  schema_valid: rate(rs, (r) => r.schema_valid),
  json_valid_first_try: rate(rs, (r) => r.json_valid_first_try),
  errors: rs.filter((r) => r.error_code !== null).length,
  latency_ms: latencyStats(rs.map((r) => r.latency_ms)),
})

const byArm = (records: readonly EvalRecord[]): Map<string, EvalRecord[]> => {
  const m = new Map<string, EvalRecord[]>()
  for (const r of records) {
    const list = m.get(r.arm) ?? []
    list.push(r)
    m.set(r.arm, list)
  }
  return m
}

/**
 * Which arm of A is compared with which arm of B: the same `prompt@version` in both, else, for a
 * prompt with exactly one remaining arm on each side, those two (e.g. rationale@1.0.0 in A against
 * rationale@1.1.0 in B).
 */
function matchArms(a: Map<string, EvalRecord[]>, b: Map<string, EvalRecord[]>): { pairs: Array<[string, string]>; a: string[]; b: string[] } {
  const pairs: Array<[string, string]> = []
  const restA = [...a.keys()].filter((k) => !b.has(k))
  const restB = [...b.keys()].filter((k) => !a.has(k))
  for (const k of a.keys()) if (b.has(k)) pairs.push([k, k])
  const prompt = (arm: string): string => arm.slice(0, arm.indexOf('@'))
  for (const p of new Set(restA.map(prompt))) {
    const ca = restA.filter((x) => prompt(x) === p)
    const cb = restB.filter((x) => prompt(x) === p)
    if (ca.length === 1 && cb.length === 1) pairs.push([ca[0] as string, cb[0] as string])
  }
  const used = new Set(pairs.flatMap(([x, y]) => [`a:${x}`, `b:${y}`]))
  return { pairs, a: restA.filter((x) => !used.has(`a:${x}`)), b: restB.filter((y) => !used.has(`b:${y}`)) }
}

const summaryOf = (r: RunFolder): RunSummary => ({
  dir: r.dir,
  run_id: r.manifest?.run_id ?? null,
  simulated: r.manifest?.simulated?.simulated === true,
  model: r.manifest?.model?.id ?? null,
  items_sha256: r.manifest?.dataset.items_sha256 ?? null,
  calls: r.records.length,
})

/** Two run folders compared arm by arm on the items they share. Pure. */
export function compareRuns(a: RunFolder, b: RunFolder): RunComparison {
  const armsA = byArm(a.records)
  const armsB = byArm(b.records)
  const idsA = new Set(a.records.map((r) => r.item_id))
  const idsB = new Set(b.records.map((r) => r.item_id))
  const both = [...idsA].filter((id) => idsB.has(id)).length
  const m = matchArms(armsA, armsB)
  const arms = m.pairs.map(([x, y]): ArmComparison => {
    const ra = armsA.get(x) ?? []
    const rb = new Map((armsB.get(y) ?? []).map((r) => [r.item_id, r]))
    const pairs = ra.flatMap((r) => {
      const o = rb.get(r.item_id)
      return o === undefined ? [] : [[r, o] as const]
    })
    const mc = (f: 'schema_valid' | 'json_valid_first_try'): McNemarResult =>
      mcnemarExact(pairs.filter(([p, q]) => p[f] && !q[f]).length, pairs.filter(([p, q]) => !p[f] && q[f]).length)
    const decided = pairs.filter(([p, q]) => p.decision !== null && q.decision !== null)
    const changed: Record<string, number> = {}
    for (const [p, q] of decided) if (p.decision !== q.decision) changed[`${p.decision} → ${q.decision}`] = (changed[`${p.decision} → ${q.decision}`] ?? 0) + 1
    const same = decided.filter(([p, q]) => p.decision === q.decision).length
    return {
      a: side(x, ra),
      b: side(y, armsB.get(y) ?? []),
      pairs: pairs.length,
      mcnemar: { schema_valid: mc('schema_valid'), json_valid_first_try: mc('json_valid_first_try') },
      decisions: { both_decided: decided.length, same, rate: decided.length === 0 ? null : same / decided.length, changed },
    }
  })
  return { a: summaryOf(a), b: summaryOf(b), items: { both, a_only: idsA.size - both, b_only: idsB.size - both }, arms, unmatched: { a: m.a, b: m.b } }
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`)
const ms = (v: number | null): string => (v === null ? 'n/a' : `${Math.round(v)}`)

/** What `pnpm eval compare` prints. */
export function comparisonLines(c: RunComparison): string[] {
  const run = (tag: string, s: RunSummary): string =>
    `${tag} ${s.dir}: run ${s.run_id ?? '(no manifest)'}, ${s.calls} calls, model ${s.model ?? 'n/a'}${s.simulated ? ', SIMULATED — not a model evaluation' : ''}`
  const lines = [run('A', c.a), run('B', c.b), `items: ${c.items.both} in both, ${c.items.a_only} only in A, ${c.items.b_only} only in B`]
  if (c.a.simulated || c.b.simulated)
    lines.push('warning: at least one run is SIMULATED — not a model evaluation; differences reflect the simulator, not a model')
  for (const x of c.arms) {
    const name = x.a.arm === x.b.arm ? x.a.arm : `${x.a.arm} (A) vs ${x.b.arm} (B)`
    const changed = Object.entries(x.decisions.changed)
      .sort((p, q) => q[1] - p[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
    lines.push(`${name}: ${x.pairs} paired items`)
    lines.push(
      `  schema valid ${pct(x.a.schema_valid)} → ${pct(x.b.schema_valid)} of all calls; paired: valid in A only ${x.mcnemar.schema_valid.a_only}, in B only ${x.mcnemar.schema_valid.b_only}, McNemar p ${x.mcnemar.schema_valid.p_value.toFixed(4)}`,
    )
    lines.push(
      `  JSON first try ${pct(x.a.json_valid_first_try)} → ${pct(x.b.json_valid_first_try)} of all calls; paired: valid in A only ${x.mcnemar.json_valid_first_try.a_only}, in B only ${x.mcnemar.json_valid_first_try.b_only}, McNemar p ${x.mcnemar.json_valid_first_try.p_value.toFixed(4)}`,
    )
    lines.push(
      `  errors ${x.a.errors} → ${x.b.errors}; latency p50 ${ms(x.a.latency_ms.p50)} → ${ms(x.b.latency_ms.p50)} ms, p95 ${ms(x.a.latency_ms.p95)} → ${ms(x.b.latency_ms.p95)} ms`,
    )
    lines.push(
      `  same decision on ${pct(x.decisions.rate)} of the ${x.decisions.both_decided} paired items both decided${changed === '' ? '' : `; changed: ${changed}`}`,
    )
  }
  for (const arm of c.unmatched.a) lines.push(`${arm}: only in A, nothing to compare with`)
  for (const arm of c.unmatched.b) lines.push(`${arm}: only in B, nothing to compare with`)
  return lines
}
