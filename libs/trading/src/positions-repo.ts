import type { Db, DbClient } from '@pulsetrade/db'
import type { PositionState } from './apply-fill'
import { TradingInvariantError } from './errors'
import type { PositionRow } from './trading-types'

const COLS = 'symbol, qty, avg_price, realized_pnl, updated_at'

/**
 * Locks a symbol's position row FOR UPDATE. With `create`, a missing row is first inserted flat,
 * so that two first orders on a symbol serialise too; without it a missing row reads as null.
 */
export async function lockPosition(tx: DbClient, symbol: string, create: boolean): Promise<PositionRow | null> {
  if (create) await tx.query('INSERT INTO positions (symbol) VALUES ($1) ON CONFLICT (symbol) DO NOTHING', [symbol])
  const { rows } = await tx.query<PositionRow>(`SELECT ${COLS} FROM positions WHERE symbol = $1 FOR UPDATE`, [symbol])
  return rows[0] ?? null
}

export async function writePosition(tx: DbClient, symbol: string, p: PositionState): Promise<PositionRow> {
  const { rows } = await tx.query<PositionRow>(
    `UPDATE positions SET qty = $2, avg_price = $3, realized_pnl = $4, updated_at = clock_timestamp()
     WHERE symbol = $1 RETURNING ${COLS}`,
    [symbol, p.qty, p.avg_price, p.realized_pnl],
  )
  const row = rows[0]
  if (!row) throw new TradingInvariantError(`position ${symbol} vanished under its row lock`)
  return row
}

/** Non-zero positions, by symbol. */
export async function listOpenPositions(q: Db | DbClient): Promise<PositionRow[]> {
  return (await q.query<PositionRow>(`SELECT ${COLS} FROM positions WHERE qty <> 0 ORDER BY symbol`)).rows
}

export async function getPosition(q: Db | DbClient, symbol: string): Promise<PositionRow | null> {
  return (await q.query<PositionRow>(`SELECT ${COLS} FROM positions WHERE symbol = $1`, [symbol])).rows[0] ?? null
}
