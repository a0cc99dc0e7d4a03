import { beforeEach, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { createPaperBroker } from '../src/paper-broker'
import type { OrderRequest } from '../src/place-order'
import { shadowReport } from '../src/shadow-report'
import { submitOrder } from '../src/submit-order'
import { insertForecast, resetTrading, testDecide, testOrder, type TestDecision } from './fixtures'

const db = await testDatabase()
const broker = createPaperBroker({ db: db.pool, slippageBps: 0 })

/** One order through placement; `gate` is what the policy gate decided (shadow unless said otherwise). */
async function order(o: Partial<OrderRequest> & { realizedReturn: number | null; gate?: TestDecision }): Promise<void> {
  const { realizedReturn, gate, ...rest } = o
  const forecastId = await insertForecast(db.pool, { symbol: rest.symbol ?? 'SPX', realizedReturn })
  await submitOrder(
    db.pool,
    testOrder(broker, { forecastId, symbol: 'SPX', side: 'buy', qty: 10, decide: testDecide({ mode: 'shadow', would: 'would_allow', ...gate }), ...rest }),
  )
}
const wouldDeny = (failReason: string): TestDecision => ({ would: 'would_deny', failReason })

beforeEach(async () => {
  await resetTrading(db.pool)
})

test('splits filled shadow orders by would_allow / would_deny with realized P&L of resolved forecasts', async () => {
  await order({ realizedReturn: 0.02 }) //                   +20
  await order({ realizedReturn: -0.01 }) //                  −10
  await order({ realizedReturn: null }) //                   unresolved
  await order({ symbol: 'AAA', side: 'sell', qty: 5, gate: wouldDeny('llm_denied'), realizedReturn: 0.03 }) // short into a rise: −15
  await order({ symbol: 'AAA', side: 'sell', qty: 5, gate: wouldDeny('llm_denied'), realizedReturn: null })
  await order({ symbol: 'BBB', qty: 2, gate: wouldDeny('timeout'), realizedReturn: 0.01 }) // +2
  // Not part of the report: enforce-mode orders, orders the risk checks denied, and a risk-reducing
  // shadow order (reduce_only_allowed: the LLM's opinion did not matter for it).
  await order({ gate: { mode: 'enforce', would: null }, realizedReturn: 0.5 })
  await order({ symbol: 'TSLA', gate: wouldDeny('llm_denied'), realizedReturn: 0.5 })
  await order({ symbol: 'BBB', side: 'sell', qty: 2, gate: wouldDeny('llm_denied'), realizedReturn: 0.5 })

  const r = await shadowReport(db.pool)
  expect(r.would_allow).toEqual({ orders: 3, resolved: 2, unresolved: 1, realized_pnl: expect.closeTo(10, 9), notional: 3000, wins: 1, hit_rate: 0.5 })
  expect(r.would_deny).toMatchObject({ orders: 3, resolved: 2, unresolved: 1, realized_pnl: expect.closeTo(-13, 9), notional: 1200, wins: 1 })
  expect(r.would_deny.by_reason.llm_denied).toMatchObject({ orders: 2, resolved: 1, realized_pnl: expect.closeTo(-15, 9) })
  expect(r.would_deny.by_reason.timeout).toMatchObject({ orders: 1, resolved: 1, realized_pnl: expect.closeTo(2, 9) })
  expect(r.enforce_effect_pnl).toBeCloseTo(13, 9)
  const { rows } = await db.pool.query<{ effective: string }>("SELECT gate->>'effective' AS effective FROM orders WHERE symbol = 'BBB' AND side = 'sell'")
  expect(rows).toEqual([{ effective: 'reduce_only_allowed' }])
})

test('since limits the report to orders created from that time', async () => {
  await order({ realizedReturn: 0.02 })
  const r = await shadowReport(db.pool, { since: new Date(Date.now() + 60_000) })
  expect(r.would_allow.orders).toBe(0)
  expect(r.would_deny.orders).toBe(0)
  expect(r.since).not.toBeNull()
})
