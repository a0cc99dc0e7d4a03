import type { EvalSummary } from './summarize'
import type { VersionStats } from './version-stats'

interface GateDef {
  flag: string
  metric: string
  kind: 'min' | 'max'
  /** A fraction (0..1) or milliseconds, for parsing and display. */
  unit: 'rate' | 'ms'
  /** Per version; comparison gates use `ofComparisons`. */
  of?: (v: VersionStats) => number | null
  ofComparisons?: true
  /** Versions the gate is about (default: every one); the others are left out, not failed. */
  appliesTo?: (v: VersionStats) => boolean
}

/** Every gate the CLI takes: each applies to every evaluated version (or version pair). */
export const GATES: readonly GateDef[] = [
  { flag: 'min-json-valid', metric: 'json_valid_after_repair', kind: 'min', unit: 'rate', of: (v) => v.json_valid_after_repair.rate },
  { flag: 'min-json-valid-first-try', metric: 'json_valid_first_try', kind: 'min', unit: 'rate', of: (v) => v.json_valid_first_try.rate },
  { flag: 'min-schema-valid', metric: 'schema_valid', kind: 'min', unit: 'rate', of: (v) => v.schema_valid.rate },
  { flag: 'min-schema-valid-first-try', metric: 'schema_valid_first_try', kind: 'min', unit: 'rate', of: (v) => v.schema_valid_first_try.rate },
  { flag: 'min-grounded', metric: 'grounded_rate', kind: 'min', unit: 'rate', of: (v) => v.grounded?.rate ?? null, appliesTo: (v) => v.grounded != null },
  { flag: 'max-error-rate', metric: 'error_rate', kind: 'max', unit: 'rate', of: (v) => (v.calls === 0 ? null : v.errors / v.calls) },
  { flag: 'max-p50-ms', metric: 'latency_p50_ms', kind: 'max', unit: 'ms', of: (v) => v.latency_ms.p50 },
  { flag: 'max-p95-ms', metric: 'latency_p95_ms', kind: 'max', unit: 'ms', of: (v) => v.latency_ms.p95 },
  { flag: 'max-p99-ms', metric: 'latency_p99_ms', kind: 'max', unit: 'ms', of: (v) => v.latency_ms.p99 },
  { flag: 'min-agreement', metric: 'agreement_rate', kind: 'min', unit: 'rate', ofComparisons: true },
]

export type GateThresholds = Partial<Record<string, number>>

export interface GateFailure {
  flag: string
  metric: string
  /** `prompt@version`, or `a vs b` for comparison gates. */
  subject: string
  value: number | null
  threshold: number
  /** One line naming the metric, the value and the threshold. */
  line: string
}

const show = (v: number | null, unit: GateDef['unit']): string => (v === null ? 'n/a' : unit === 'ms' ? `${Math.round(v)} ms` : v.toFixed(4))

export interface GateResult extends GateFailure {
  pass: boolean
}

/** Every threshold given × every version (or version pair): one result each, passed or not. */
export function evaluateGates(summary: EvalSummary, thresholds: GateThresholds): GateResult[] {
  const results: GateResult[] = []
  for (const g of GATES) {
    const threshold = thresholds[g.flag]
    if (threshold === undefined) continue
    const subjects: Array<[string, number | null]> = g.ofComparisons
      ? summary.comparisons.map((c) => [`${c.a} vs ${c.b}`, c.agreement.rate])
      : Object.entries(summary.versions)
          .filter(([, v]) => g.appliesTo?.(v) ?? true)
          .map(([label, v]) => [label, g.of?.(v) ?? null])
    for (const [subject, value] of subjects) {
      const pass = value !== null && (g.kind === 'min' ? value >= threshold : value <= threshold)
      const what = pass
        ? `= ${show(value, g.unit)}, ${g.kind === 'min' ? 'at or above the minimum' : 'at or below the maximum'}`
        : value === null
          ? 'has no value (no calls), threshold'
          : `= ${show(value, g.unit)}, ${g.kind === 'min' ? 'below the minimum' : 'above the maximum'}`
      results.push({
        flag: g.flag,
        metric: g.metric,
        subject,
        value,
        threshold,
        pass,
        line: `gate ${pass ? 'passed' : 'failed'}: ${g.metric} of ${subject} ${what} ${show(threshold, g.unit)} (--${g.flag})`,
      })
    }
  }
  return results
}

/** Thresholds from the command line → one failure per metric and version that misses its threshold. */
export function checkGates(summary: EvalSummary, thresholds: GateThresholds): GateFailure[] {
  return evaluateGates(summary, thresholds)
    .filter((r) => !r.pass)
    .map(({ pass: _pass, ...f }) => f)
}
