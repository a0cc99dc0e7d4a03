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

/** Written into forecasts.features.llm.policy by the same statement that inserts the order. */
export interface PolicyMirror {
  forecastId: number
  policy: object
}

const INSERT = `INSERT INTO orders (forecast_id, symbol, side, qty, ref_price, status, gate, mode, exit_id, risk_reducing, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp(), clock_timestamp())
     ON CONFLICT (forecast_id) WHERE forecast_id IS NOT NULL DO NOTHING
     RETURNING *`

// The forecast is only touched when the order was inserted (not when the forecast already had one).
const INSERT_AND_MIRROR = `WITH o AS (${INSERT}),
  f AS (UPDATE forecasts SET features = jsonb_set(features, '{llm,policy}', $12::jsonb)
        WHERE id = $11 AND features ? 'llm' AND EXISTS (SELECT 1 FROM o))
  SELECT * FROM o`

/**
 * Inserts an order; created_at is the insert's clock time (not the transaction's start), so it
 * orders rows by when they were placed. Returns null when the forecast already has an order. With
 * `mirror`, the same statement writes the policy record into the forecast.
 */
export async function insertOrder (tx: DbClient, o: NewOrder, mirror: PolicyMirror | null = null): Promise<OrderRow | null> {
  const values: unknown[] = [o.forecastId, o.symbol, o.side, o.qty, o.refPrice, o.status, JSON.stringify(o.gate), o.mode, o.exitId, o.riskReducing]
  const { rows } = mirror === null
    ? await tx.query<OrderRow>(INSERT, values)
    : await tx.query<OrderRow>(INSERT_AND_MIRROR, [...values, mirror.forecastId, JSON.stringify(mirror.policy)])
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

/** Sets an order's status (merging gatePatch into gate) and returns the row as updated. */
export async function setOrderStatus (tx: DbClient, id: number, status: OrderRow['status'], gatePatch: object | null): Promise<OrderRow> {
  const row = (await tx.query<OrderRow>(
    `UPDATE orders SET status = $2, gate = gate || COALESCE($3::jsonb, '{}'::jsonb), updated_at = clock_timestamp() WHERE id = $1 RETURNING *`,
    [id, status, gatePatch ? JSON.stringify(gatePatch) : null])).rows[0]
  if (!row) throw new Error(`order ${id} not found`)
  return row
}

export async function listOpenOrderIds (q: Db | DbClient): Promise<number[]> {
  return (await q.query<{ id: number }>("SELECT id FROM orders WHERE status IN ('open', 'proposed') ORDER BY id")).rows.map((r) => r.id)
}
