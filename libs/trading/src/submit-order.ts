import { withTransaction, type Db } from '@pulsetrade/db'
import { placeOrderInTx, type OrderOutcome, type OrderRequest } from './place-order'

/**
 * Decides and places one order in ONE transaction: trading state, risk checks, `req.decide` over
 * their verdict (the forecast service's policy gate, run once), the order row (gate = that whole
 * decision, mirrored into the forecast's features.llm.policy when the decision carries a policy
 * record) and the broker fill commit together. Denied orders are stored with status `denied`.
 */
export async function submitOrder(db: Db, req: OrderRequest): Promise<OrderOutcome> {
  return withTransaction(db, (tx) => placeOrderInTx(tx, req))
}
