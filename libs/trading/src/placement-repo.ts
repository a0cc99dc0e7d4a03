import type { DbClient } from '@pulsetrade/db'
import { TradingInvariantError } from './errors'
import { QTY_EPSILON } from './is-risk-reducing'
import type { PositionRow, TradingStateName } from './trading-types'

/** What an order placement reads under its locks, in one round trip. */
export interface PlacementLocks {
  /** Read without a lock: provisional until insertOrder confirms it under trading_state FOR SHARE. */
  state: TradingStateName
  /** The order the forecast already has, if any. */
  existingOrderId: number | null
  /** The symbol's position row, locked FOR UPDATE with its latest committed values; null when there is none. */
  position: PositionRow | null
  /**
   * Placed risk-increasing orders of the last minute; null when the position shows the order is
   * risk-reducing (not counted then). The caller counts on its own if it decides otherwise.
   */
  recentOrders: number | null
}

const POS_COLS = 'symbol, qty, avg_price, realized_pnl, updated_at'

// `created` inserts a flat row for a new symbol; the no-op DO UPDATE locks an existing one and
// RETURNING gives its latest committed version (as FOR UPDATE would), also when it changed after
// the statement's snapshot.
const LOCK_POSITION = {
  created: `INSERT INTO positions (symbol) SELECT $1::text FROM st
     ON CONFLICT (symbol) DO UPDATE SET symbol = EXCLUDED.symbol RETURNING ${POS_COLS}`,
  existing: `SELECT ${POS_COLS} FROM positions WHERE symbol = $1 AND EXISTS (SELECT 1 FROM st) FOR UPDATE`,
}

const sql = (create: boolean): string => `
  WITH st AS (SELECT state FROM trading_state WHERE id),
  pos AS (${create ? LOCK_POSITION.created : LOCK_POSITION.existing})
  SELECT st.state,
    (SELECT id FROM orders WHERE forecast_id = $2::bigint) AS existing_id,
    pos.symbol, pos.qty, pos.avg_price, pos.realized_pnl, pos.updated_at,
    CASE WHEN abs(pos.qty) > $4::float8 AND sign(pos.qty) = -sign($3::float8) AND abs($3::float8) <= abs(pos.qty) + $4::float8
      THEN NULL
      ELSE (SELECT count(*)::int FROM orders
            WHERE created_at > clock_timestamp() - interval '1 minute' AND status IN ('open', 'filled') AND NOT risk_reducing)
    END AS recent
  FROM st LEFT JOIN pos ON true`
const SQL = { create: sql(true), existing: sql(false) }

interface Row {
  state: TradingStateName
  existing_id: number | null
  symbol: string | null
  qty: number | null
  avg_price: number | null
  realized_pnl: number | null
  updated_at: Date | null
  recent: number | null
}

/**
 * The reads of one order placement in ONE statement: the trading state WITHOUT a lock (a plain
 * read takes ACCESS SHARE only, which never delays a state change), then the symbol's position row
 * FOR UPDATE (created flat first with `createPosition`, so first orders on a symbol serialise too);
 * plus the forecast's existing order and the throttle count. The state read here is provisional:
 * the insert re-reads it under trading_state FOR SHARE (see insertOrder), so a placement that
 * waits here, however long, holds nothing a HALT needs. Must be the transaction's first lock.
 */
export async function lockForPlacement(
  tx: DbClient,
  p: { symbol: string; forecastId: number | null; signedQty: number; createPosition: boolean },
): Promise<PlacementLocks> {
  const { rows } = await tx.query<Row>(p.createPosition ? SQL.create : SQL.existing, [p.symbol, p.forecastId, p.signedQty, QTY_EPSILON])
  const row = rows[0]
  if (!row) throw new TradingInvariantError('trading_state has no row: run the migrations')
  const position =
    row.symbol === null
      ? null
      : {
          symbol: row.symbol,
          qty: row.qty as number,
          avg_price: row.avg_price as number,
          realized_pnl: row.realized_pnl as number,
          updated_at: row.updated_at as Date,
        }
  return { state: row.state, existingOrderId: row.existing_id, position, recentOrders: row.recent }
}
