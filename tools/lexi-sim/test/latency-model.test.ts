import { expect, test } from 'vitest'
import { createLatencyModel, type LatencyKnobs } from '../src/latency-model'
import { createPrng } from '../src/prng'

const knobs: LatencyKnobs = {
  prefillTokensPerSec: 8000,
  itlBaseMs: 25,
  itlPerSeqMs: 0.3,
  jitterSigma: 0,
  structuredFirstSchemaPenaltyMs: 150,
  structuredPerTokenOverheadPct: 10,
  timeScale: 1,
  fixedLatencyMs: null,
}

test('prefill is prompt tokens / rate, plus the grammar penalty the first time a schema is seen', () => {
  const m = createLatencyModel(knobs, createPrng(1))
  expect(m.prefillMs(8000, null, 1)).toBeCloseTo(1000)
  expect(m.prefillMs(800, 'schema-a', 1)).toBeCloseTo(100 + 150)
  expect(m.prefillMs(800, 'schema-a', 1)).toBeCloseTo(100)
})

test('inter-token latency grows with the running batch: itl(b) = base + perSeq * b, +10% when structured', () => {
  const m = createLatencyModel(knobs, createPrng(1))
  expect(m.itlMs(0, false, 1)).toBeCloseTo(25)
  expect(m.itlMs(64, false, 1)).toBeCloseTo(25 + 0.3 * 64)
  expect(m.itlMs(64, true, 1)).toBeCloseTo((25 + 0.3 * 64) * 1.1)
})

test('slow multiplies, timeScale scales and 0 means no latency at all', () => {
  expect(createLatencyModel(knobs, createPrng(1)).itlMs(10, false, 3)).toBeCloseTo(3 * 28)
  expect(createLatencyModel({ ...knobs, timeScale: 0.1 }, createPrng(1)).itlMs(10, false, 1)).toBeCloseTo(2.8)
  const zero = createLatencyModel({ ...knobs, timeScale: 0 }, createPrng(1))
  expect([zero.prefillMs(4000, 's', 1), zero.itlMs(64, true, 1)]).toEqual([0, 0])
})

test('lognormal jitter has median 1 and the configured spread', () => {
  const m = createLatencyModel({ ...knobs, jitterSigma: 0.1 }, createPrng(3))
  const xs = Array.from({ length: 4000 }, () => m.itlMs(0, false, 1) / 25).sort((a, b) => a - b)
  expect(xs[2000]).toBeGreaterThan(0.98)
  expect(xs[2000]).toBeLessThan(1.02)
  const logs = xs.map(Math.log)
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length)
  expect(sd).toBeGreaterThan(0.09)
  expect(sd).toBeLessThan(0.11)
})
