import type { Db, DbClient } from '@pulsetrade/db'
import { OrderNotFoundError, TradingInvariantError } from './errors'
import type { OrderRow, Side, TradingStateName } from './trading-types'

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

// The commit-phase lock: trading_state FOR SHARE (its ROW SHARE table lock is taken when the
// statement is parsed, before its snapshot, so it waits for a state change in progress and then
// reads the new state; FOR SHARE also returns the row's latest committed version). From here to
// COMMIT no state change can commit; the order is written only if the state is still the one its
// risk checks saw (`$11`).
const INSERT_LOCKED = `st AS (SELECT state FROM trading_state WHERE id FOR SHARE),
  o AS (INSERT INTO orders (forecast_id, symbol, side, qty, ref_price, status, gate, mode, exit_id, risk_reducing, created_at, updated_at)
     SELECT $1::bigint, $2::text, $3::text, $4::float8, $5::float8, $6::text, $7::jsonb, $8::text, $9::text, $10::boolean, clock_timestamp(), clock_timestamp()
     FROM st WHERE st.state = $11::text
     ON CONFLICT (forecast_id) WHERE forecast_id IS NOT NULL DO NOTHING
     RETURNING *)`

const INSERT = `WITH ${INSERT_LOCKED}
  SELECT st.state AS locked_state, o.* FROM st LEFT JOIN o ON true`

// The forecast is only touched when the order was inserted (not when the forecast already had one).
const INSERT_AND_MIRROR = `WITH ${INSERT_LOCKED},
  f AS (UPDATE forecasts SET features = jsonb_set(features, '{llm,policy}', $13::jsonb)
        WHERE id = $12 AND features ? 'llm' AND EXISTS (SELECT 1 FROM o))
  SELECT st.state AS locked_state, o.* FROM st LEFT JOIN o ON true`

export interface InsertedOrder {
  /** The order as inserted; null when nothing was: the forecast already has an order, or the state changed. */
  order: OrderRow | null
  /** The trading state read under the lock this transaction now holds until it ends. */
  lockedState: TradingStateName
}

/**
 * Inserts an order if the trading state, read under trading_state FOR SHARE, still is
 * `expectedState` (what the risk checks saw). created_at is the insert's clock time (not the
 * transaction's start), so it orders rows by when they were placed. The order is null when the
 * forecast already has one or when `lockedState` differs (then nothing was written: check again
 * with `lockedState`, which cannot change before this transaction ends). With `mirror`, the same
 * statement writes the policy record into the forecast.
 */
export async function insertOrder(tx: DbClient, o: NewOrder, expectedState: TradingStateName, mirror: PolicyMirror | null = null): Promise<InsertedOrder> {
  const values: unknown[] = [
    o.forecastId,
    o.symbol,
    o.side,
    o.qty,
    o.refPrice,
    o.status,
    JSON.stringify(o.gate),
    o.mode,
    o.exitId,
    o.riskReducing,
    expectedState,
  ]
  const { rows } =
    mirror === null
      ? await tx.query<OrderRow & { locked_state: TradingStateName }>(INSERT, values)
      : await tx.query<OrderRow & { locked_state: TradingStateName }>(INSERT_AND_MIRROR, [...values, mirror.forecastId, JSON.stringify(mirror.policy)])
  const row = rows[0]
  if (!row) throw new TradingInvariantError('trading_state has no row: run the migrations')
  const { locked_state: lockedState, ...order } = row
  return { order: order.id == null ? null : (order as OrderRow), lockedState }
}

export async function findOrderByForecast(q: Db | DbClient, forecastId: number): Promise<OrderRow | null> {
  return (await q.query<OrderRow>('SELECT * FROM orders WHERE forecast_id = $1', [forecastId])).rows[0] ?? null
}

export async function getOrder(q: Db | DbClient, id: number): Promise<OrderRow> {
  const row = (await q.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [id])).rows[0]
  if (!row) throw new OrderNotFoundError(id)
  return row
}

/** Placed (open or filled) risk-increasing orders of the last minute, by the database clock. */
export async function countRecentOrders(tx: DbClient): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM orders
     WHERE created_at > clock_timestamp() - interval '1 minute' AND status IN ('open', 'filled') AND NOT risk_reducing`,
  )
  return rows[0]?.n ?? 0
}

/** Sets an order's status (merging gatePatch into gate) and returns the row as updated. */
export async function setOrderStatus(tx: DbClient, id: number, status: OrderRow['status'], gatePatch: object | null): Promise<OrderRow> {
  const row = (
    await tx.query<OrderRow>(
      `UPDATE orders SET status = $2, gate = gate || COALESCE($3::jsonb, '{}'::jsonb), updated_at = clock_timestamp() WHERE id = $1 RETURNING *`,
      [id, status, gatePatch ? JSON.stringify(gatePatch) : null],
    )
  ).rows[0]
  if (!row) throw new OrderNotFoundError(id)
  return row
}

export async function listOpenOrderIds(q: Db | DbClient): Promise<number[]> {
  return (await q.query<{ id: number }>("SELECT id FROM orders WHERE status IN ('open', 'proposed') ORDER BY id")).rows.map((r) => r.id)
}
