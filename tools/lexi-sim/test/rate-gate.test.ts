import { expect, test } from 'vitest'
import { createRateGate } from '../src/rate-gate'

const fires = (seed: number, rate: number, n: number): boolean[] => {
  const gate = createRateGate(seed)
  return Array.from({ length: n }, () => gate.fire(rate))
}

test('a 20% rate over 1,000 calls fires 200 times (within ±3) for any seed', () => {
  for (const seed of [0, 1, 42, 123456, 0xdeadbeef]) {
    const n = fires(seed, 0.2, 1000).filter(Boolean).length
    expect(Math.abs(n - 200)).toBeLessThanOrEqual(3)
  }
})

test('odd rates land on their share too: 3% and 37% over 1,000 calls', () => {
  expect(Math.abs(fires(7, 0.03, 1000).filter(Boolean).length - 30)).toBeLessThanOrEqual(3)
  expect(Math.abs(fires(7, 0.37, 1000).filter(Boolean).length - 370)).toBeLessThanOrEqual(3)
})

test('the same seed gives the same sequence; another seed gives another one (not periodic)', () => {
  expect(fires(5, 0.2, 200)).toEqual(fires(5, 0.2, 200))
  expect(fires(5, 0.2, 200)).not.toEqual(fires(6, 0.2, 200))
  const seq = fires(5, 0.2, 200)
  const gaps = new Set(seq.flatMap((f, i) => (f ? [i] : [])).map((v, i, a) => (i > 0 ? v - (a[i - 1] as number) : v)))
  expect(gaps.size).toBeGreaterThan(3)
})

test('rate 0 never fires and rate 1 always fires', () => {
  expect(fires(1, 0, 100).some(Boolean)).toBe(false)
  expect(fires(1, 1, 100).every(Boolean)).toBe(true)
})
