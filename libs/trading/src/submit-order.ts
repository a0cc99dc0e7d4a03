import { withTransaction, type Db } from '@pulsetrade/db'
import { placeOrderInTx, type OrderOutcome, type OrderRequest } from './place-order'

/**
 * Gates and places one order in ONE transaction (what the forecast worker calls): trading state,
 * risk checks, evaluateGate, the order row (gate = full verdict) and the broker fill commit together.
 * Denied orders are stored with status `denied`; shadow-mode orders fill and carry `would`.
 */
export async function submitOrder (db: Db, req: OrderRequest): Promise<OrderOutcome> {
  return withTransaction(db, (tx) => placeOrderInTx(tx, req))
}
