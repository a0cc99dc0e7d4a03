import { withTransaction, type Db, type DbClient } from '@pulsetrade/db'
import { applyFill } from './apply-fill'
import type { Broker, BrokerFill, BrokerOrder } from './broker'
import { BrokerError, TradingInvariantError } from './errors'
import { listOpenPositions, lockPosition, writePosition } from './positions-repo'
import type { OrderRow, PositionRow } from './trading-types'

export interface PaperBrokerOptions {
  db: Db
  /** PAPER_SLIPPAGE_BPS: buys fill at ref × (1 + bps/10⁴), sells at ref × (1 − bps/10⁴). */
  slippageBps: number
}

// The position and the order row of one fill, in one statement (the position is locked by the caller).
const BOOK_FILL = `WITH p AS (
    UPDATE positions SET qty = $2, avg_price = $3, realized_pnl = $4, updated_at = clock_timestamp()
    WHERE symbol = $1 RETURNING symbol, qty, avg_price, realized_pnl, updated_at),
  o AS (UPDATE orders SET status = 'filled', fill_price = $6, updated_at = clock_timestamp() WHERE id = $5 RETURNING *)
  SELECT o.*, p.qty AS p_qty, p.avg_price AS p_avg_price, p.realized_pnl AS p_realized_pnl, p.updated_at AS p_updated_at
  FROM o CROSS JOIN p`

type BookedRow = OrderRow & { p_qty: number; p_avg_price: number; p_realized_pnl: number; p_updated_at: Date }

/** Fills every order at once at the reference price plus slippage; positions live in Postgres. */
export function createPaperBroker({ db, slippageBps }: PaperBrokerOptions): Broker {
  if (!Number.isFinite(slippageBps) || slippageBps < 0) throw new BrokerError(`slippageBps must be ≥ 0, got ${slippageBps}`)
  const inTx = async <T>(tx: DbClient | undefined, fn: (c: DbClient) => Promise<T>): Promise<T> => (tx ? fn(tx) : withTransaction(db, fn))

  /** With the caller's locked position: one statement, nothing before it that writes. */
  const book = async (tx: DbClient, order: BrokerOrder, held: PositionRow, fillPrice: number): Promise<BrokerFill> => {
    if (held.symbol !== order.symbol) throw new BrokerError(`order ${order.id}: position of ${held.symbol} passed for ${order.symbol}`)
    const after = applyFill(held, order.side, order.qty, fillPrice)
    const { rows } = await tx.query<BookedRow>(BOOK_FILL, [order.symbol, after.qty, after.avg_price, after.realized_pnl, order.id, fillPrice])
    const row = rows[0]
    if (!row) throw new TradingInvariantError(`order ${order.id} or position ${order.symbol} vanished under the caller's locks`)
    const { p_qty: qty, p_avg_price: avgPrice, p_realized_pnl: realizedPnl, p_updated_at: updatedAt, ...orderRow } = row
    return {
      order_id: order.id,
      status: 'filled',
      fill_price: fillPrice,
      order: orderRow,
      position: { symbol: order.symbol, qty, avg_price: avgPrice, realized_pnl: realizedPnl, updated_at: updatedAt },
    }
  }

  const submit = (order: BrokerOrder, tx?: DbClient): Promise<BrokerFill> =>
    inTx(tx, async (c) => {
      const ref = order.ref_price
      if (ref == null || !Number.isFinite(ref) || ref <= 0) throw new BrokerError(`order ${order.id}: no reference price to fill at`)
      const fillPrice = ref * (1 + ((order.side === 'buy' ? 1 : -1) * slippageBps) / 10_000)
      if (tx && order.position) return book(tx, order, order.position, fillPrice)
      const before = await lockPosition(c, order.symbol, true)
      const after = applyFill(before ?? { qty: 0, avg_price: 0, realized_pnl: 0 }, order.side, order.qty, fillPrice)
      const position = await writePosition(c, order.symbol, after)
      await c.query(`UPDATE orders SET status = 'filled', fill_price = $2, updated_at = clock_timestamp() WHERE id = $1`, [order.id, fillPrice])
      return { order_id: order.id, status: 'filled', fill_price: fillPrice, position }
    })

  const cancel = (orderId: number, tx?: DbClient): Promise<boolean> =>
    inTx(tx, async (c) => {
      const { rowCount } = await c.query(
        `UPDATE orders SET status = 'cancelled', updated_at = clock_timestamp()
       WHERE id = $1 AND status IN ('open', 'proposed')`,
        [orderId],
      )
      return (rowCount ?? 0) > 0
    })

  return { name: 'paper', submit, cancel, positions: (tx) => listOpenPositions(tx ?? db), atomicSubmit: true }
}
