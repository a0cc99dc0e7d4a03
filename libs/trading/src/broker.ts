import type { DbClient } from '@pulsetrade/db'
import type { PositionRow, Side } from './trading-types'

/** What a broker gets of an order row. */
export interface BrokerOrder {
  id: number
  symbol: string
  side: Side
  qty: number
  ref_price: number | null
}

export interface BrokerFill {
  order_id: number
  /** `open` for a broker that fills later; the paper broker fills at once. */
  status: 'filled' | 'open'
  fill_price: number | null
  /** The position after the fill, when the broker knows it at once. */
  position: PositionRow | null
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
}
