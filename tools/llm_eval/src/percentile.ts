/**
 * Nearest-rank percentile (p in 0..100) of values in any order: the smallest value with at least
 * p % of the values at or below it (sorted[ceil(p/100 · n) − 1]). Always an observed value; null
 * for no values. The one percentile of the repository (the eval report and the benches).
 */
export function percentile(values: readonly number[], p: number): number | null {
  return ofSorted(
    [...values].sort((a, b) => a - b),
    p,
  )
}

/** The median (nearest rank, so an observed value); null for no values. */
export const median = (values: readonly number[]): number | null => percentile(values, 50)

function ofSorted(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1] as number
}

export interface LatencyStats {
  p50: number | null
  p95: number | null
  p99: number | null
  mean: number | null
  max: number | null
}

export function latencyStats(values: readonly number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b)
  const sum = sorted.reduce((s, v) => s + v, 0)
  return {
    p50: ofSorted(sorted, 50),
    p95: ofSorted(sorted, 95),
    p99: ofSorted(sorted, 99),
    mean: sorted.length === 0 ? null : sum / sorted.length,
    max: sorted.length === 0 ? null : (sorted[sorted.length - 1] as number),
  }
}

export interface Histogram {
  edges_ms: number[]
  counts: Record<string, number[]>
}

/**
 * Shared linear bins over every series (so versions compare bar by bar): `bins` bins from the
 * smallest to the largest value; the last bin includes its upper edge.
 */
export function histogram(series: Record<string, readonly number[]>, bins = 20): Histogram {
  const all = Object.values(series).flat()
  const lo = all.length === 0 ? 0 : Math.min(...all)
  const hi = all.length === 0 ? 1 : Math.max(...all)
  const width = hi > lo ? (hi - lo) / bins : 1
  const edges_ms = Array.from({ length: bins + 1 }, (_, i) => lo + i * width)
  const counts: Record<string, number[]> = {}
  for (const [name, values] of Object.entries(series)) {
    const c = new Array<number>(bins).fill(0)
    for (const v of values) {
      const b = Math.min(bins - 1, Math.floor((v - lo) / width))
      c[b] = (c[b] ?? 0) + 1
    }
    counts[name] = c
  }
  return { edges_ms, counts }
}
