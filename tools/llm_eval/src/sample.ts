import { createHash } from 'node:crypto'
import type { EvalItem } from './eval-item'

/** Items of a default run (docs/eval.md "Default sample"); `--sample N` changes it, `--all` turns sampling off. */
export const DEFAULT_SAMPLE_SIZE = 300
export const DEFAULT_SAMPLE_SEED = 1

/** p_up bucket edges: the forecast's direction and how sure it is, which drive both prompts' answers. */
const P_UP_EDGES = [0.45, 0.5, 0.55] as const

export const STRATA_DEFINITION =
  'symbol × proposed order (buy / sell / none) × p_up bucket (< 0.45, 0.45–0.50, 0.50–0.55, ≥ 0.55) × ' +
  "volatility regime (vol_20 below, or at or above, the median of that symbol's items)"

export interface Stratum {
  key: string
  population: number
  sampled: number
}

export interface Sample {
  items: EvalItem[]
  /** Every stratum of the population, in key order, with how many of its items were drawn. */
  strata: Stratum[]
}

const pUpBucket = (p: number): string => {
  if (p < (P_UP_EDGES[0] as number)) return 'p_up<0.45'
  if (p < (P_UP_EDGES[1] as number)) return 'p_up 0.45-0.50'
  if (p < (P_UP_EDGES[2] as number)) return 'p_up 0.50-0.55'
  return 'p_up>=0.55'
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** The stratum of every item (same order as `items`). */
export function strataOf(items: readonly EvalItem[]): string[] {
  const vols = new Map<string, number[]>()
  for (const i of items) {
    const list = vols.get(i.inputs.symbol) ?? []
    list.push(i.inputs.signals.vol_20)
    vols.set(i.inputs.symbol, list)
  }
  const medians = new Map([...vols].map(([sym, v]) => [sym, median(v)]))
  return items.map((i) =>
    [
      i.inputs.symbol,
      i.inputs.order?.side ?? 'no order',
      pUpBucket(i.inputs.forecast.p_up),
      i.inputs.signals.vol_20 < (medians.get(i.inputs.symbol) as number) ? 'vol low' : 'vol high',
    ].join(' | '),
  )
}

/** Largest-remainder split of `total` in proportion to `weights` (ties to the earlier index). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0)
  if (sum === 0) return weights.map(() => 0)
  const exact = weights.map((w) => (total * w) / sum)
  const out = exact.map(Math.floor)
  let left = total - out.reduce((s, v) => s + v, 0)
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (const [, i] of order) {
    if (left === 0) break
    out[i] = (out[i] as number) + 1
    left--
  }
  return out
}

/**
 * A deterministic stratified sample of `size` items: every stratum gets at least one item (when
 * `size` allows), the rest is split in proportion to the strata's sizes, and within a stratum the
 * items with the smallest sha256(`seed:id`) are drawn. The same items and seed give the same sample
 * whatever their order; the sample keeps the items' order. `size` ≥ the population: every item.
 */
export function stratifiedSample(items: readonly EvalItem[], o: { size: number; seed: number }): Sample {
  const keys = strataOf(items)
  const groups = new Map<string, EvalItem[]>()
  items.forEach((item, i) => {
    const k = keys[i] as string
    const list = groups.get(k) ?? []
    list.push(item)
    groups.set(k, list)
  })
  const names = [...groups.keys()].sort()
  const sizes = names.map((k) => (groups.get(k) as EvalItem[]).length)
  let quota: number[]
  if (o.size >= items.length) {
    quota = sizes
  } else if (o.size >= names.length) {
    quota = apportion(
      o.size - names.length,
      sizes.map((n) => n - 1),
    ).map((extra) => extra + 1)
  } else {
    // Fewer draws than strata: one item from each of the largest strata.
    const largest = new Set(
      names
        .map((k, i) => [k, sizes[i] as number] as const)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, o.size)
        .map(([k]) => k),
    )
    quota = names.map((k) => (largest.has(k) ? 1 : 0))
  }
  const rank = (id: string): string => createHash('sha256').update(`${o.seed}:${id}`).digest('hex')
  const chosen = new Set<string>()
  names.forEach((k, i) => {
    const ranked = (groups.get(k) as EvalItem[]).map((item) => [rank(item.id), item.id] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    for (const [, id] of ranked.slice(0, quota[i])) chosen.add(id)
  })
  return {
    items: items.filter((i) => chosen.has(i.id)),
    strata: names.map((key, i) => ({ key, population: sizes[i] as number, sampled: quota[i] as number })),
  }
}
