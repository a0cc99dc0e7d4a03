import { describe, expect, test } from 'vitest'
import { createModelRegistry, MODEL_NAMES } from '../src/models/model-registry'
import { normCdf, Z95 } from '../src/models/normal'
import { makeBars } from './bars-fixture'

const models = createModelRegistry()

describe.each(MODEL_NAMES)('model %s', (name) => {
  const model = models[name]

  test('gives a consistent normal summary: p_up = Φ(mu/sigma), q05/q95 = mu ∓ 1.645 sigma', () => {
    const f = model.forecast(makeBars(300, 11), 1)
    expect(f.sigma).toBeGreaterThan(0)
    expect(f.p_up).toBeCloseTo(normCdf(f.mu / f.sigma), 12)
    expect(f.q05).toBeCloseTo(f.mu - Z95 * f.sigma, 12)
    expect(f.q95).toBeCloseTo(f.mu + Z95 * f.sigma, 12)
  })

  test('reads only its lookback: older bars and later bars change nothing', () => {
    const bars = makeBars(400, 5)
    const asof = 350
    const f = model.forecast(bars.slice(0, asof + 1), 3)
    const olderChanged = bars.map((b, i) => (i < asof + 1 - model.lookback ? { ...b, close: b.close * 2 } : b))
    expect(model.forecast(olderChanged.slice(0, asof + 1), 3)).toEqual(f)
    expect(model.forecast(bars.slice(asof + 1 - model.lookback, asof + 1), 3)).toEqual(f)
  })

  test('scales the spread with the horizon', () => {
    const bars = makeBars(300, 2)
    expect(model.forecast(bars, 4).sigma).toBeGreaterThan(model.forecast(bars, 1).sigma * 1.5)
  })
})

test('the random walk has no drift and p_up 0.5', () => {
  expect(models.rw.forecast(makeBars(300), 1)).toMatchObject({ mu: 0, p_up: 0.5 })
})

test('EWMA momentum points up after a steady rise and down after a steady fall', () => {
  expect(models.ewma.forecast(makeBars(300, 1, { drift: 0.01 }), 1).mu).toBeGreaterThan(0)
  expect(models.ewma.forecast(makeBars(300, 1, { drift: -0.01 }), 1).mu).toBeLessThan(0)
})

test('EWMA volatility follows the RiskMetrics recursion (λ = 0.94)', () => {
  const calm = makeBars(300, 4, { vol: 0.005 })
  const stormy = [...calm.slice(0, 280), ...makeBars(21, 9, { vol: 0.05, start: calm[279]?.close ?? 100 }).slice(1)].map((b, i) => ({
    ...b,
    ts: new Date(Date.UTC(2001, 0, 1) + i * 86_400_000),
  }))
  expect(models.ewma.forecast(stormy, 1).sigma).toBeGreaterThan(3 * models.ewma.forecast(calm.slice(0, 280), 1).sigma)
})

test('AR(1) recovers a strongly mean-reverting series', () => {
  // r_t = -0.6 r_{t-1} + e_t: after a large up move the next expected return is negative.
  const bars = makeBars(2, 1)
  let r = 0
  const noise = makeBars(300, 8)
  for (let i = 2; i < 300; i++) {
    r = -0.6 * r + Math.log((noise[i]?.close ?? 1) / (noise[i - 1]?.close ?? 1))
    const last = bars[bars.length - 1]?.close ?? 100
    bars.push({ ts: new Date(Date.UTC(2001, 0, 1) + i * 86_400_000), open: last, high: last * 2, low: last / 2, close: last * Math.exp(r), volume: 1 })
  }
  const f = models.ar1.forecast(bars, 1)
  expect(Math.sign(f.mu)).toBe(-Math.sign(r))
})
