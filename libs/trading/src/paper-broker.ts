import { withTransaction, type Db, type DbClient } from '@pulsetrade/db'
import { applyFill } from './apply-fill'
import type { Broker, BrokerFill, BrokerOrder } from './broker'
import { BrokerError } from './errors'
import { listOpenPositions, lockPosition, writePosition } from './positions-repo'

export interface PaperBrokerOptions {
  db: Db
  /** PAPER_SLIPPAGE_BPS: buys fill at ref × (1 + bps/10⁴), sells at ref × (1 − bps/10⁴). */
  slippageBps: number
}

/** Fills every order at once at the reference price plus slippage; positions live in Postgres. */
export function createPaperBroker ({ db, slippageBps }: PaperBrokerOptions): Broker {
  if (!Number.isFinite(slippageBps) || slippageBps < 0) throw new BrokerError(`slippageBps must be ≥ 0, got ${slippageBps}`)
  const inTx = async <T>(tx: DbClient | undefined, fn: (c: DbClient) => Promise<T>): Promise<T> =>
    tx ? fn(tx) : withTransaction(db, fn)

  const submit = (order: BrokerOrder, tx?: DbClient): Promise<BrokerFill> => inTx(tx, async (c) => {
    const ref = order.ref_price
    if (ref == null || !Number.isFinite(ref) || ref <= 0) throw new BrokerError(`order ${order.id}: no reference price to fill at`)
    const fillPrice = ref * (1 + (order.side === 'buy' ? 1 : -1) * slippageBps / 10_000)
    const before = await lockPosition(c, order.symbol, true)
    const after = applyFill(before ?? { qty: 0, avg_price: 0, realized_pnl: 0 }, order.side, order.qty, fillPrice)
    const position = await writePosition(c, order.symbol, after)
    await c.query(
      `UPDATE orders SET status = 'filled', fill_price = $2, updated_at = clock_timestamp() WHERE id = $1`,
      [order.id, fillPrice])
    return { order_id: order.id, status: 'filled', fill_price: fillPrice, position }
  })

  const cancel = (orderId: number, tx?: DbClient): Promise<boolean> => inTx(tx, async (c) => {
    const { rowCount } = await c.query(
      `UPDATE orders SET status = 'cancelled', updated_at = clock_timestamp()
       WHERE id = $1 AND status IN ('open', 'proposed')`, [orderId])
    return (rowCount ?? 0) > 0
  })

  return { name: 'paper', submit, cancel, positions: (tx) => listOpenPositions(tx ?? db) }
}
