import type { EvalSummary } from './summarize'

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`)
const ms = (v: number | null): string => (v === null ? 'n/a' : `${Math.round(v)} ms`)

/** The lines the CLI prints at the end of a run: one per version, one per comparison. */
export function summaryLines(s: EvalSummary, dir: string): string[] {
  const lines = [
    `${dir}: ${s.calls} calls on ${s.items} items in ${(s.wall_ms / 1000).toFixed(1)} s (${(s.throughput_rps ?? 0).toFixed(1)} calls/s)${s.incomplete ? ', INCOMPLETE' : ''}`,
  ]
  for (const [label, v] of Object.entries(s.versions)) {
    const decisions = Object.entries(v.decisions)
      .map(([d, c]) => `${d} ${c}`)
      .join(', ')
    lines.push(
      `  ${label}: json first try ${pct(v.json_valid_first_try.rate)}, after repair ${pct(v.json_valid_after_repair.rate)}, ` +
        `schema ${pct(v.schema_valid.rate)}, p50 ${ms(v.latency_ms.p50)}, p95 ${ms(v.latency_ms.p95)}, p99 ${ms(v.latency_ms.p99)}, ` +
        `errors ${v.errors}; ${decisions}${v.grounded ? `; grounded ${pct(v.grounded.rate)} of ${v.grounded.of}` : ''}` +
        (v.policy_samples
          ? `; k=${v.policy_samples.k} agreement ${pct(v.policy_samples.agreement)}, unanimous ${pct(v.policy_samples.unanimous.rate)}, ` +
            `${v.policy_samples.calls_per_item} calls and ${Math.round(v.policy_samples.tokens_per_item ?? 0)} tokens per item`
          : ''),
    )
  }
  for (const c of s.comparisons) {
    lines.push(
      `  ${c.a} vs ${c.b}: agreement ${pct(c.agreement.rate)} of ${c.agreement.both_decided}, ` +
        `McNemar p (json first try) ${c.mcnemar.json_valid_first_try.p_value.toFixed(4)}, (schema) ${c.mcnemar.schema_valid.p_value.toFixed(4)}`,
    )
  }
  return lines
}
