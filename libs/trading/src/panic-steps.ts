import { inTransaction, type DbClient } from '@pulsetrade/db'
import type { Logger } from 'pino'
import type { Broker } from './broker'
import { QTY_EPSILON } from './is-risk-reducing'
import type { RiskLimits } from './limits'
import { listOpenOrderIds } from './orders-repo'
import { decideReduceOnly } from './order-decision'
import { placeOrderInTx } from './place-order'
import { lockPosition } from './positions-repo'
import { TradingBusyError } from './errors'

export interface FlattenEntry {
  symbol: string
  qty_before: number
  ok: boolean
  order_id?: number
  side?: 'buy' | 'sell'
  qty?: number
  status?: string
  fill_price?: number | null
  price_source?: 'last_bar' | 'avg_price'
  skipped?: string
  error?: string
}

export interface PanicReport {
  ok: boolean
  started_at: string
  finished_at: string
  cancel: { ok: boolean; cancelled: number[]; failed: Array<{ order_id: number; error: string }>; error?: string }
  flatten: { ok: boolean; orders: FlattenEntry[]; error?: string }
  verify: { ok: boolean; open_positions: Array<{ symbol: string; qty: number }>; error?: string }
}

const msg = (err: unknown): string => (err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err))

async function latestPrice(tx: DbClient, symbol: string): Promise<{ close: number; ts: Date } | null> {
  return (await tx.query<{ close: number; ts: Date }>('SELECT close, ts FROM market_bars WHERE symbol = $1 ORDER BY ts DESC LIMIT 1', [symbol])).rows[0] ?? null
}

/** SQLSTATE of a lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03'

/** Longest wait for one position row during a flatten, unless the caller says otherwise. */
export const DEFAULT_FLATTEN_LOCK_TIMEOUT_MS = 2000

export interface PanicStepsContext {
  exitId: string
  broker: Broker
  limits: RiskLimits
  logger: Logger
  /** Longest wait for a position row another session holds; that position is then reported open. @default 2000 */
  flattenLockTimeoutMs?: number
}

/**
 * Closes one position with a reduce-only order (no LLM, no throttle), in its own transaction. No
 * trading_state lock before the position: the order's insert takes it (placeOrderInTx), so a
 * position row held elsewhere delays only this symbol, and never a state change. The wait for the
 * row is bounded: a position locked longer is reported not flattened (a repeat call retries it).
 */
async function flattenOne(conn: DbClient, symbol: string, qtyBefore: number, ctx: PanicStepsContext): Promise<FlattenEntry> {
  const waitMs = ctx.flattenLockTimeoutMs ?? DEFAULT_FLATTEN_LOCK_TIMEOUT_MS
  return inTransaction(conn, async (tx) => {
    await tx.query("SELECT set_config('lock_timeout', $1, true)", [`${waitMs}ms`])
    const pos = await lockPosition(tx, symbol, false).catch((err: { code?: string }) => {
      if (err.code !== LOCK_NOT_AVAILABLE) throw err
      throw new TradingBusyError(`position row locked by another session for more than ${waitMs} ms; not flattened (a repeat panic exit retries it)`, waitMs, {
        cause: err,
      })
    })
    if (!pos || Math.abs(pos.qty) <= QTY_EPSILON) return { symbol, qty_before: qtyBefore, ok: true, skipped: 'already flat' }
    const bar = await latestPrice(tx, symbol)
    const price = bar?.close ?? pos.avg_price
    const side = pos.qty > 0 ? ('sell' as const) : ('buy' as const)
    const out = await placeOrderInTx(tx, {
      symbol,
      side,
      qty: Math.abs(pos.qty),
      refPrice: price,
      lastClose: price,
      priceTs: bar?.ts ?? null,
      now: new Date(),
      decide: decideReduceOnly,
      limits: ctx.limits,
      broker: ctx.broker,
      exitId: ctx.exitId,
      logger: ctx.logger,
    })
    const filled = out.order.status === 'filled' || out.order.status === 'open'
    return {
      symbol,
      qty_before: pos.qty,
      ok: filled,
      order_id: out.order.id,
      side,
      qty: out.order.qty,
      status: out.order.status,
      fill_price: out.order.fill_price,
      price_source: bar ? 'last_bar' : 'avg_price',
      ...(filled ? {} : { error: out.verdict.reason_code }),
    }
  })
}

/**
 * The panic exit after HALTED is committed: cancel open orders, flatten every position, check that
 * none is left. A failing step is recorded and the next still runs; the state stays HALTED. Every
 * step runs on `conn`, the one connection the exit holds (the broker gets it as its `tx`), so a
 * busy pool cannot stall the exit halfway.
 */
export async function runPanicSteps(conn: DbClient, ctx: PanicStepsContext): Promise<PanicReport> {
  const started = new Date().toISOString()
  const cancel: PanicReport['cancel'] = { ok: true, cancelled: [], failed: [] }
  try {
    for (const id of await listOpenOrderIds(conn)) {
      try {
        if (await ctx.broker.cancel(id, conn)) cancel.cancelled.push(id)
      } catch (err) {
        cancel.failed.push({ order_id: id, error: msg(err) })
      }
    }
  } catch (err) {
    cancel.error = msg(err)
  }
  cancel.ok = cancel.failed.length === 0 && cancel.error == null

  const flatten: PanicReport['flatten'] = { ok: true, orders: [] }
  try {
    for (const p of await ctx.broker.positions(conn)) {
      try {
        flatten.orders.push(await flattenOne(conn, p.symbol, p.qty, ctx))
      } catch (err) {
        flatten.orders.push({ symbol: p.symbol, qty_before: p.qty, ok: false, error: msg(err) })
      }
    }
  } catch (err) {
    flatten.error = msg(err)
  }
  flatten.ok = flatten.error == null && flatten.orders.every((o) => o.ok)

  const verify: PanicReport['verify'] = { ok: false, open_positions: [] }
  try {
    verify.open_positions = (await ctx.broker.positions(conn)).map((p) => ({ symbol: p.symbol, qty: p.qty }))
    verify.ok = verify.open_positions.length === 0
  } catch (err) {
    verify.error = msg(err)
  }

  return { ok: cancel.ok && flatten.ok && verify.ok, started_at: started, finished_at: new Date().toISOString(), cancel, flatten, verify }
}
