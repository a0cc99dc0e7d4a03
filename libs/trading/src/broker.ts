import type { DbClient } from '@pulsetrade/db'
import type { OrderRow, PositionRow, Side } from './trading-types'

/** What a broker gets of an order row. */
export interface BrokerOrder {
  id: number
  symbol: string
  side: Side
  qty: number
  ref_price: number | null
  /**
   * The symbol's position row as the caller holds it locked FOR UPDATE in `tx` (placeOrderInTx
   * passes it), so a broker that books the fill need not lock and read it again. Only with `tx`.
   */
  position?: PositionRow
}

export interface BrokerFill {
  order_id: number
  /** `open` for a broker that fills later; the paper broker fills at once. */
  status: 'filled' | 'open'
  fill_price: number | null
  /** The position after the fill, when the broker knows it at once. */
  position: PositionRow | null
  /** The order row after the broker updated it in the caller's `tx`, if it did (saves a reread). */
  order?: OrderRow
}

/**
 * The execution seam: the paper broker now, a real broker later. `tx` is the caller's open
 * transaction (submitOrder passes it so the order row and the position change commit together);
 * without it the broker uses its own.
 */
export interface Broker {
  readonly name: string
  submit: (order: BrokerOrder, tx?: DbClient) => Promise<BrokerFill>
  /** Cancels an open order; false when it was not open any more. */
  cancel: (orderId: number, tx?: DbClient) => Promise<boolean>
  /** Open (non-zero) positions. */
  positions: (tx?: DbClient) => Promise<PositionRow[]>
  /**
   * True when `submit(order, tx)` with `order.position` set either throws before its first
   * statement in `tx` or writes the whole fill in ONE statement (whose failure aborts `tx`, so the placement fails as a whole and
   * nothing is kept). placeOrderInTx then needs no savepoint around it. Otherwise (the default) a
   * savepoint undoes partial writes of a failed submit, and the order is kept as `rejected`.
   */
  readonly atomicSubmit?: boolean
}
