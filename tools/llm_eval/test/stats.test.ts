import { describe, expect, test } from 'vitest'
import { mcnemarExact } from '../src/mcnemar'
import { histogram, latencyStats, percentile } from '../src/percentile'

describe('percentile (nearest rank)', () => {
  test('returns observed values: p50 of 1..10 is 5, p95 is 10, p99 of 1..100 is 99', () => {
    const ten = Array.from({ length: 10 }, (_, i) => i + 1)
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(ten, 50)).toBe(5)
    expect(percentile(ten, 95)).toBe(10)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile([], 50)).toBeNull()
  })

  test('latencyStats sorts its input and reports mean and max', () => {
    expect(latencyStats([30, 10, 20])).toEqual({ p50: 20, p95: 30, p99: 30, mean: 20, max: 30 })
  })
})

describe('exact McNemar test', () => {
  test('matches hand-computed binomial tails', () => {
    // n = 12, k = 2: 2 · (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 · 79 / 4096
    expect(mcnemarExact(10, 2).p_value).toBeCloseTo(158 / 4096, 12)
    // n = 5, k = 0: 2 / 32
    expect(mcnemarExact(0, 5).p_value).toBeCloseTo(2 / 32, 12)
  })

  test('is 1 without discordant pairs or with balanced ones, and symmetric', () => {
    expect(mcnemarExact(0, 0).p_value).toBe(1)
    expect(mcnemarExact(7, 7).p_value).toBe(1)
    expect(mcnemarExact(3, 9).p_value).toBeCloseTo(mcnemarExact(9, 3).p_value, 15)
  })

  test('stays finite and tiny for thousands of one-sided discordant pairs', () => {
    const p = mcnemarExact(3000, 10).p_value
    expect(p).toBeGreaterThanOrEqual(0)
    expect(p).toBeLessThan(1e-100)
    expect(mcnemarExact(1000, 1000).p_value).toBeCloseTo(1, 10)
  })
})

describe('histogram', () => {
  test('puts every value into shared bins, the maximum into the last bin', () => {
    const h = histogram({ a: [0, 1, 2, 10], b: [5, 10] }, 5)
    expect(h.edges_ms).toEqual([0, 2, 4, 6, 8, 10])
    expect(h.counts.a).toEqual([2, 1, 0, 0, 1])
    expect(h.counts.b).toEqual([0, 0, 1, 0, 1])
  })
})
