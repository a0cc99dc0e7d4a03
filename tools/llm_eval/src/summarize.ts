import { compareVersions, type VersionComparison } from './compare-versions'
import type { EvalRecord } from './eval-record'
import type { EvalTarget } from './eval-targets'
import { histogram, latencyStats, type Histogram, type LatencyStats } from './percentile'
import { versionStats, type VersionStats } from './version-stats'

export interface EvalSummary {
  run_id: string
  items: number
  /** Items with a realized return. */
  items_with_outcome: number
  calls: number
  wall_ms: number
  throughput_rps: number | null
  latency_ms: LatencyStats
  confident_min: number
  /** Keyed by `prompt@version`, in --prompt order. */
  versions: Record<string, VersionStats>
  comparisons: VersionComparison[]
  /** Shared bins for the report's latency histograms. */
  latency_histogram: Histogram
  /** Set when the run was interrupted before every call was made. */
  incomplete: boolean
}

/** summary.json: every figure is computed from the records (a recount gives the same numbers). */
export function summarize(o: {
  runId: string
  targets: readonly EvalTarget[]
  items: ReadonlyArray<{ realized_return: number | null }>
  records: readonly EvalRecord[]
  wallMs: number
  confidentMin: number
  incomplete?: boolean
}): EvalSummary {
  const byArm = new Map<string, EvalRecord[]>(o.targets.map((t) => [t.label, []]))
  for (const r of o.records) byArm.get(r.arm)?.push(r)
  const versions: Record<string, VersionStats> = {}
  for (const t of o.targets) versions[t.label] = versionStats(t, byArm.get(t.label) ?? [])
  const series: Record<string, number[]> = {}
  for (const [arm, rs] of byArm) series[arm] = rs.map((r) => r.latency_ms)
  return {
    run_id: o.runId,
    items: o.items.length,
    items_with_outcome: o.items.filter((i) => i.realized_return !== null).length,
    calls: o.records.length,
    wall_ms: o.wallMs,
    throughput_rps: o.wallMs > 0 ? o.records.length / (o.wallMs / 1000) : null,
    latency_ms: latencyStats(o.records.map((r) => r.latency_ms)),
    confident_min: o.confidentMin,
    versions,
    comparisons: compareVersions(o.targets, byArm),
    latency_histogram: histogram(series),
    incomplete: o.incomplete ?? false,
  }
}
