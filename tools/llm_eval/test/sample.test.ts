import { describe, expect, test } from 'vitest'
import type { EvalItem } from '../src/eval-item'
import { readDataset } from '../src/read-dataset'
import { DEFAULT_SAMPLE_SIZE, strataOf, stratifiedSample } from '../src/sample'
import { DATASET } from './eval-fixtures'

const { items } = await readDataset(DATASET)

const count = (list: readonly EvalItem[]): Map<string, number> => {
  const keys = strataOf(items)
  const byId = new Map(items.map((i, k) => [i.id, keys[k] as string]))
  const m = new Map<string, number>()
  for (const i of list) m.set(byId.get(i.id) as string, (m.get(byId.get(i.id) as string) ?? 0) + 1)
  return m
}

describe('stratified sample', () => {
  test('draws exactly the size asked for, at least one item of every stratum, the rest in proportion (within one item)', () => {
    const s = stratifiedSample(items, { size: DEFAULT_SAMPLE_SIZE, seed: 1 })
    expect(s.items).toHaveLength(DEFAULT_SAMPLE_SIZE)
    expect(new Set(s.items.map((i) => i.id)).size).toBe(DEFAULT_SAMPLE_SIZE)
    const drawn = count(s.items)
    const population = count(items)
    expect(s.strata.map((x) => x.key).sort()).toEqual([...population.keys()].sort())
    const extra = DEFAULT_SAMPLE_SIZE - population.size
    for (const st of s.strata) {
      expect(st.population).toBe(population.get(st.key))
      expect(st.sampled, st.key).toBe(drawn.get(st.key))
      expect(st.sampled).toBeGreaterThanOrEqual(1)
      const share = 1 + (extra * (st.population - 1)) / (items.length - population.size)
      expect(Math.abs(st.sampled - share), st.key).toBeLessThan(1)
    }
    // The bundled dataset spans both order sides, "no order", every p_up bucket and both volatility regimes.
    expect(s.strata.length).toBeGreaterThanOrEqual(10)
  })

  test('is deterministic for a seed, whatever the order of the items, and keeps the items in their order', () => {
    const a = stratifiedSample(items, { size: 200, seed: 7 })
    const b = stratifiedSample([...items].reverse(), { size: 200, seed: 7 })
    expect(b.items.map((i) => i.id).sort()).toEqual(a.items.map((i) => i.id).sort())
    const pos = new Map(items.map((i, k) => [i.id, k]))
    const order = a.items.map((i) => pos.get(i.id) as number)
    expect(order).toEqual([...order].sort((x, y) => x - y))
    const other = stratifiedSample(items, { size: 200, seed: 8 })
    expect(other.items.map((i) => i.id)).not.toEqual(a.items.map((i) => i.id))
    expect(count(other.items)).toEqual(count(a.items))
  })

  test('a size at or above the population returns every item; fewer draws than strata take the largest strata', () => {
    const few = items.slice(0, 40)
    expect(stratifiedSample(few, { size: 40, seed: 1 }).items).toEqual(few)
    expect(stratifiedSample(few, { size: 1000, seed: 1 }).items).toEqual(few)
    const tiny = stratifiedSample(items, { size: 3, seed: 1 })
    expect(tiny.items).toHaveLength(3)
    const largest = [...count(items)]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([k]) => k)
      .sort()
    expect([...count(tiny.items).keys()].sort()).toEqual(largest)
  })
})
