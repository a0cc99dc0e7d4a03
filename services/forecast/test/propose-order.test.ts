import { expect, test } from 'vitest'
import { normalForecast } from '../src/models/model'
import { proposeOrder } from '../src/pipeline/propose-order'

const rule = { minEdge: 0.01, fullEdge: 0.1, targetNotional: 100_000, lotSize: 5 }
const withPUp = (pUp: number, mu: number): ReturnType<typeof normalForecast> => ({ ...normalForecast(mu, 0.01), p_up: pUp })

test('no order while |p_up - 0.5| is below the minimum edge', () => {
  expect(proposeOrder(withPUp(0.505, 0.0001), 100, rule)).toBeNull()
})

test('side follows mu; qty scales with the edge up to the target notional, rounded down to the lot', () => {
  expect(proposeOrder(withPUp(0.55, 0.001), 100, rule)).toEqual({ side: 'buy', qty: 500, ref_price: 100, notional: 50_000 })
  expect(proposeOrder(withPUp(0.45, -0.001), 100, rule)).toEqual({ side: 'sell', qty: 500, ref_price: 100, notional: 50_000 })
  expect(proposeOrder(withPUp(0.9, 0.01), 100, rule)?.qty).toBe(1000) // capped at full confidence
  expect(proposeOrder(withPUp(0.53, 0.001), 333, rule)?.qty).toBe(90) // 30,000 / 333 = 90.09 → 18 lots of 5
})

test('no order when the rounded quantity is zero or the price is unusable', () => {
  expect(proposeOrder(withPUp(0.52, 0.001), 50_000, rule)).toBeNull()
  expect(proposeOrder(withPUp(0.6, 0.001), 0, rule)).toBeNull()
})
