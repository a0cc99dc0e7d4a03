import type { Db, DbClient } from '@pulsetrade/db'
import type { OrderRow, Side } from './trading-types'

export interface NewOrder {
  forecastId: number | null
  symbol: string
  side: Side
  qty: number
  refPrice: number | null
  status: 'proposed' | 'denied'
  gate: object
  mode: OrderRow['mode']
  exitId: string | null
  riskReducing: boolean
}

/**
 * Inserts an order; created_at is the insert's clock time (not the transaction's start), so it
 * orders rows by when they were placed. Returns null when the forecast already has an order.
 */
export async function insertOrder (tx: DbClient, o: NewOrder): Promise<OrderRow | null> {
  const { rows } = await tx.query<OrderRow>(
    `INSERT INTO orders (forecast_id, symbol, side, qty, ref_price, status, gate, mode, exit_id, risk_reducing, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp(), clock_timestamp())
     ON CONFLICT (forecast_id) WHERE forecast_id IS NOT NULL DO NOTHING
     RETURNING *`,
    [o.forecastId, o.symbol, o.side, o.qty, o.refPrice, o.status, JSON.stringify(o.gate), o.mode, o.exitId, o.riskReducing])
  return rows[0] ?? null
}

export async function findOrderByForecast (q: Db | DbClient, forecastId: number): Promise<OrderRow | null> {
  return (await q.query<OrderRow>('SELECT * FROM orders WHERE forecast_id = $1', [forecastId])).rows[0] ?? null
}

export async function getOrder (q: Db | DbClient, id: number): Promise<OrderRow> {
  const row = (await q.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [id])).rows[0]
  if (!row) throw new Error(`order ${id} not found`)
  return row
}

/** Placed (open or filled) risk-increasing orders of the last minute, by the database clock. */
export async function countRecentOrders (tx: DbClient): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM orders
     WHERE created_at > clock_timestamp() - interval '1 minute' AND status IN ('open', 'filled') AND NOT risk_reducing`)
  return rows[0]?.n ?? 0
}

export async function setOrderStatus (tx: DbClient, id: number, status: OrderRow['status'], gatePatch: object | null): Promise<void> {
  await tx.query(
    `UPDATE orders SET status = $2, gate = gate || COALESCE($3::jsonb, '{}'::jsonb), updated_at = clock_timestamp() WHERE id = $1`,
    [id, status, gatePatch ? JSON.stringify(gatePatch) : null])
}

export async function listOpenOrderIds (q: Db | DbClient): Promise<number[]> {
  return (await q.query<{ id: number }>("SELECT id FROM orders WHERE status IN ('open', 'proposed') ORDER BY id")).rows.map((r) => r.id)
}
