import { expect, test } from 'vitest'
import { computeSignals, SIGNALS_LOOKBACK } from '../src/signals/compute-signals'
import { makeBars } from './bars-fixture'
import type { Bar } from '../src/bars/bar'

const closes = (xs: number[]): Bar[] =>
  xs.map((close, i) => ({
    ts: new Date(Date.UTC(2020, 0, 1 + i)),
    open: close,
    high: close,
    low: close,
    close,
    volume: i === xs.length - 1 ? 300 : 100,
  }))

test('signals match their documented formulas on a hand-checked series', () => {
  const xs = Array.from({ length: 21 }, (_, i) => 100 + i) // steadily rising: no losses
  const s = computeSignals(closes(xs))
  expect(s.ret_1).toBeCloseTo(Math.log(120 / 119), 9)
  expect(s.ret_5).toBeCloseTo(Math.log(120 / 115), 9)
  expect(s.ret_20).toBeCloseTo(Math.log(120 / 100), 9)
  expect(s.rsi_14).toBe(100)
  // mean of 101..120 = 110.5, sample sd = sqrt(35) for 20 consecutive integers
  expect(s.zscore_20).toBeCloseTo((120 - 110.5) / Math.sqrt(35), 8)
  expect(s.volume_ratio).toBe(3)
  const flat = computeSignals(closes(Array.from({ length: 21 }, () => 50)))
  expect(flat).toMatchObject({ ret_1: 0, vol_20: 0, rsi_14: 50, zscore_20: 0 })
})

test('signals at asof ignore every later bar (no look-ahead)', () => {
  const bars = makeBars(120, 7)
  const asof = 80
  const before = computeSignals(bars.slice(0, asof + 1))
  const future = bars.map((b, i) => (i > asof ? { ...b, close: b.close * 3, high: b.high * 3, volume: 1e9 } : b))
  // However the caller slices, only bars at or before asof are read.
  expect(computeSignals(future.slice(0, asof + 1))).toEqual(before)
  expect(computeSignals(future.slice(asof + 1 - SIGNALS_LOOKBACK, asof + 1))).toEqual(before)
})

test('signals do not depend on history older than their lookback', () => {
  const bars = makeBars(120, 3)
  const altered = bars.map((b, i) => (i < 60 ? { ...b, close: b.close * 10, volume: 1 } : b))
  expect(computeSignals(altered)).toEqual(computeSignals(bars))
})

test('signals refuse a history shorter than the lookback', () => {
  expect(() => computeSignals(makeBars(SIGNALS_LOOKBACK - 1))).toThrow(/signals need 21 bars/)
})
