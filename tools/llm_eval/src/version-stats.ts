import { DECISIONS, type Decision } from './decision'
import type { EvalRecord } from './eval-record'
import type { EvalTarget } from './eval-targets'
import { outcomesOf, type Outcomes } from './outcomes'
import { latencyStats, type LatencyStats } from './percentile'

export interface Rate {
  count: number
  rate: number | null
}

export interface VersionStats {
  prompt: string
  version: string
  hash: string
  calls: number
  ok: number
  errors: number
  json_valid_first_try: Rate
  json_valid_after_repair: Rate
  schema_valid_first_try: Rate
  schema_valid: Rate
  repaired: number
  cached: number
  latency_ms: LatencyStats
  /** Calls per second between this version's first start and last finish. */
  throughput_rps: number | null
  tokens: { prompt: number; completion: number; total: number; mean_prompt: number | null; mean_completion: number | null }
  /** Count per decision; `none` = no valid answer. */
  decisions: Record<string, number>
  /** Count per error code (LLM_ERR_*); empty when every call succeeded. */
  errors_by_code: Record<string, number>
  outcomes: Outcomes | null
  /**
   * Rationale only (null for other prompts): schema-valid answers whose every cited number is in
   * their inputs, of the schema-valid answers (`of`); numbers cited and unmatched over them.
   */
  grounded: (Rate & { of: number; cited: number; unmatched: number }) | null
  /**
   * Policy with LLM_POLICY_SAMPLES=k >= 2 (absent otherwise): mean agreement of the k samples with
   * the combined decision, the share of items whose samples all agreed, and the cost per item.
   */
  policy_samples?: { k: number; agreement: number | null; unanimous: Rate; calls_per_item: number; tokens_per_item: number | null }
}

function policySamplesOf(records: readonly EvalRecord[]): VersionStats['policy_samples'] {
  const sampled = records.flatMap((r) => (r.samples == null ? [] : [r.samples]))
  if (sampled.length === 0) return undefined
  const k = Math.max(...sampled.map((s) => s.k))
  const tokens = records.reduce((s, r) => s + r.tokens.prompt + r.tokens.completion, 0)
  return {
    k,
    agreement: sampled.reduce((s, x) => s + x.agreement, 0) / sampled.length,
    unanimous: rate(sampled.filter((s) => s.agreement === 1).length, sampled.length),
    calls_per_item: k,
    tokens_per_item: records.length === 0 ? null : tokens / records.length,
  }
}

const rate = (count: number, of: number): Rate => ({ count, rate: of === 0 ? null : count / of })

function groundedOf(records: readonly EvalRecord[]): NonNullable<VersionStats['grounded']> {
  const checked = records.flatMap((r) => (r.grounding == null ? [] : [r.grounding]))
  const grounded = checked.filter((g) => g.unmatched.length === 0).length
  return {
    ...rate(grounded, checked.length),
    of: checked.length,
    cited: checked.reduce((s, g) => s + g.cited, 0),
    unmatched: checked.reduce((s, g) => s + g.unmatched.length, 0),
  }
}

/** Every per-version figure of summary.json, from that version's records alone. */
export function versionStats(target: EvalTarget, records: readonly EvalRecord[]): VersionStats {
  const n = records.length
  const count = (f: (r: EvalRecord) => boolean): number => records.reduce((s, r) => s + (f(r) ? 1 : 0), 0)
  const promptTokens = records.reduce((s, r) => s + r.tokens.prompt, 0)
  const completionTokens = records.reduce((s, r) => s + r.tokens.completion, 0)
  const first = Math.min(...records.map((r) => r.started_ms))
  const last = Math.max(...records.map((r) => r.finished_ms))
  const decisions: Record<string, number> = {}
  for (const d of DECISIONS[target.prompt] as readonly Decision[]) decisions[d] = 0
  decisions.none = 0
  const errorsByCode: Record<string, number> = {}
  const sampled = target.prompt === 'policy' ? policySamplesOf(records) : undefined
  for (const r of records) {
    const d = r.decision ?? 'none'
    decisions[d] = (decisions[d] ?? 0) + 1
    if (r.error_code !== null) errorsByCode[r.error_code] = (errorsByCode[r.error_code] ?? 0) + 1
  }
  return {
    prompt: target.prompt,
    version: target.version,
    hash: target.hash,
    calls: n,
    ok: count((r) => r.ok),
    errors: count((r) => r.error_code !== null),
    json_valid_first_try: rate(
      count((r) => r.json_valid_first_try),
      n,
    ),
    json_valid_after_repair: rate(
      count((r) => r.json_valid_after_repair),
      n,
    ),
    schema_valid_first_try: rate(
      count((r) => r.schema_valid_first_try),
      n,
    ),
    schema_valid: rate(
      count((r) => r.schema_valid),
      n,
    ),
    repaired: count((r) => r.repaired),
    cached: count((r) => r.cached),
    latency_ms: latencyStats(records.map((r) => r.latency_ms)),
    throughput_rps: n > 0 && last > first ? n / ((last - first) / 1000) : null,
    tokens: {
      prompt: promptTokens,
      completion: completionTokens,
      total: promptTokens + completionTokens,
      mean_prompt: n === 0 ? null : promptTokens / n,
      mean_completion: n === 0 ? null : completionTokens / n,
    },
    decisions,
    errors_by_code: errorsByCode,
    outcomes: outcomesOf(target.prompt, records),
    grounded: target.prompt === 'rationale' ? groundedOf(records) : null,
    ...(sampled !== undefined ? { policy_samples: sampled } : {}),
  }
}
