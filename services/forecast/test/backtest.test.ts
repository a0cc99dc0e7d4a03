import { expect, test } from 'vitest'
import { formatBacktest } from '../src/backtest/format-backtest'
import { runBacktest } from '../src/backtest/run-backtest'
import { wilsonInterval } from '../src/backtest/wilson-interval'
import { createModelRegistry } from '../src/models/model-registry'
import type { ForecastModel } from '../src/models/model'
import { normalForecast } from '../src/models/model'
import { makeBars } from './bars-fixture'

test('wilsonInterval matches the textbook value for 50 of 100', () => {
  const ci = wilsonInterval(50, 100)
  expect(ci.low).toBeCloseTo(0.4038, 4)
  expect(ci.high).toBeCloseTo(0.5962, 4)
  expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 })
})

test('the walk-forward scores a perfect oracle and the baseline as expected', () => {
  const bars = makeBars(200, 3)
  // An oracle that peeks at the next bar: only possible when the backtest hands it future bars.
  const peeks: ForecastModel = {
    name: 'peek',
    version: 'peek-1',
    lookback: 300,
    forecast: (history) => {
      const i = bars.findIndex((b) => b.ts.getTime() === history[history.length - 1]?.ts.getTime())
      const r = Math.log((bars[i + 1]?.close ?? 1) / (bars[i]?.close ?? 1))
      return normalForecast(r, 1e-9)
    },
  }
  const sawFuture: ForecastModel = {
    name: 'check',
    version: 'check-1',
    lookback: 300,
    forecast: (history) => {
      const last = history[history.length - 1]
      if (history.some((b) => last && b.ts > last.ts)) throw new Error('look-ahead')
      return normalForecast(0, 0.01)
    },
  }
  const { rw } = createModelRegistry()
  const r = runBacktest('T', bars, [rw, peeks, sawFuture], { horizon: 1, minBars: 61, baseline: 'rw' })
  const by = Object.fromEntries(r.metrics.map((m) => [m.model, m]))
  expect(by.rw?.n).toBe(200 - 61)
  expect(by.rw?.brier).toBe(0.25)
  expect(by.peek?.hitRate).toBe(1)
  expect(by.peek?.mae).toBeLessThan(1e-12)
  expect(by.peek?.brierSkill).toBeCloseTo(1, 6)
  expect(formatBacktest(r)).toMatch(/\| rw\s+\| rw-1\s+\| 139 /)
})
