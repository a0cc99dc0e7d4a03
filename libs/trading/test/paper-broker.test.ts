import { beforeEach, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { BrokerError } from '../src/errors'
import { createPaperBroker } from '../src/paper-broker'
import { resetTrading } from './fixtures'

const db = await testDatabase()
const broker = createPaperBroker({ db: db.pool, slippageBps: 25 })

async function orderRow(side: 'buy' | 'sell', qty: number, status = 'proposed'): Promise<number> {
  const { rows } = await db.pool.query<{ id: number }>('INSERT INTO orders (symbol, side, qty, ref_price, status) VALUES ($1, $2, $3, 200, $4) RETURNING id', [
    'SPX',
    side,
    qty,
    status,
  ])
  return rows[0]!.id
}

beforeEach(async () => {
  await resetTrading(db.pool)
})

test('without a caller transaction it fills in its own, updating the order row and the position together', async () => {
  const id = await orderRow('buy', 4)
  const fill = await broker.submit({ id, symbol: 'SPX', side: 'buy', qty: 4, ref_price: 200 })
  expect(fill).toMatchObject({ order_id: id, status: 'filled', fill_price: 200.5, position: { symbol: 'SPX', qty: 4, avg_price: 200.5 } })
  expect((await db.pool.query('SELECT status, fill_price FROM orders WHERE id = $1', [id])).rows[0]).toEqual({ status: 'filled', fill_price: 200.5 })
})

test('sells fill below the reference price and realise P&L when closing', async () => {
  await broker.submit({ id: await orderRow('buy', 4), symbol: 'SPX', side: 'buy', qty: 4, ref_price: 200 })
  const fill = await broker.submit({ id: await orderRow('sell', 4), symbol: 'SPX', side: 'sell', qty: 4, ref_price: 210 })
  expect(fill.fill_price).toBeCloseTo(209.475, 9)
  expect(fill.position).toMatchObject({ qty: 0, avg_price: 0 })
  expect(fill.position?.realized_pnl).toBeCloseTo(4 * (209.475 - 200.5), 9)
  expect(await broker.positions()).toEqual([])
})

test('an order without a reference price is refused and nothing changes', async () => {
  const id = await orderRow('buy', 1)
  await expect(broker.submit({ id, symbol: 'SPX', side: 'buy', qty: 1, ref_price: null })).rejects.toBeInstanceOf(BrokerError)
  expect((await db.pool.query('SELECT status FROM orders WHERE id = $1', [id])).rows[0].status).toBe('proposed')
})

test('cancel closes an open order once and leaves filled orders alone', async () => {
  const open = await orderRow('buy', 1, 'open')
  const filled = await orderRow('buy', 1, 'filled')
  expect(await broker.cancel(open)).toBe(true)
  expect(await broker.cancel(open)).toBe(false)
  expect(await broker.cancel(filled)).toBe(false)
  expect((await db.pool.query('SELECT status FROM orders WHERE id = ANY($1) ORDER BY id', [[open, filled]])).rows.map((r) => r.status)).toEqual([
    'cancelled',
    'filled',
  ])
})
