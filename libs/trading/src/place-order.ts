import type { DbClient } from '@pulsetrade/db'
import type { Logger } from 'pino'
import type { Broker } from './broker'
import { InvalidOrderError, TradingInvariantError } from './errors'
import { isRiskReducing, signedQty } from './is-risk-reducing'
import type { RiskLimits } from './limits'
import { THROTTLE_EXACT_MARGIN, THROTTLE_LOCK } from './lock-keys'
import { countRecentOrders, findOrderByForecast, getOrder, insertOrder, setOrderStatus, type InsertedOrder } from './orders-repo'
import { decisionAllows } from './order-decision'
import { lockForPlacement } from './placement-repo'
import { runRiskChecks } from './run-risk-checks'
import type { DecideOrder, OrderDecision, OrderRow, PositionRow, Side, TradingStateName } from './trading-types'

export interface OrderRequest {
  /** One order per forecast: a second request for the same forecast returns the first order. */
  forecastId?: number | null
  symbol: string
  side: Side
  qty: number
  refPrice: number | null
  lastClose: number | null
  priceTs: Date | string | null
  /** The clock price freshness is judged against (bar time in a replay, wall time live). */
  now: Date
  /** Risk verdict → decision (the forecast service's policy gate; decideReduceOnly for the panic exit). */
  decide: DecideOrder
  limits: RiskLimits
  broker: Broker
  /** Caller's belief; the position read under lock decides, and a mismatch is logged. */
  riskReducing?: boolean
  /** Set by the panic exit only: a reduce-only flatten allowed while HALTED. */
  exitId?: string | null
  logger: Logger
}

export interface OrderOutcome {
  order: OrderRow
  verdict: OrderDecision
  /** The forecast already had an order; nothing new was placed. */
  duplicate: boolean
}

function validate(r: OrderRequest): Date | null {
  if (r.side !== 'buy' && r.side !== 'sell') throw new InvalidOrderError(`side must be buy or sell, got ${String(r.side)}`)
  if (!Number.isFinite(r.qty) || r.qty <= 0) throw new InvalidOrderError(`qty must be a positive number, got ${r.qty}`)
  if (!r.symbol) throw new InvalidOrderError('symbol is required')
  if (!(r.now instanceof Date) || Number.isNaN(r.now.getTime())) throw new InvalidOrderError('now must be a valid Date')
  return r.priceTs == null ? null : new Date(r.priceTs)
}

/**
 * Risk checks, gate and fill of one order inside the caller's transaction `tx`. Locks, in order:
 * the symbol's position row (the trading state is read with it, unlocked), then — for
 * risk-increasing orders close to the per-minute limit — the throttle lock, so the count is exact
 * across workers, and last trading_state FOR SHARE, taken by the insert, which writes the order
 * only if the state is still the one the checks saw. If it changed (a HALT committed while this
 * placement waited), the checks and the gate run again with the state now locked, and that
 * verdict is written instead. So a state change waits only for placements past their insert
 * (insert, fill, commit: no waits on rows another session may hold, other than the forecast row),
 * never for one waiting on a position row, and no placement commits with a state that was not
 * current at its commit. An allowed order with the paper broker costs three statements: the
 * locked reads, the insert, the fill.
 */
export async function placeOrderInTx(tx: DbClient, r: OrderRequest): Promise<OrderOutcome> {
  const priceTs = validate(r)
  const log = r.logger.child({ component: 'trading', symbol: r.symbol, forecast_id: r.forecastId ?? null })
  const locks = await lockForPlacement(tx, {
    symbol: r.symbol,
    forecastId: r.forecastId ?? null,
    signedQty: signedQty(r.side, r.qty),
    createPosition: r.limits.RISK_SYMBOL_ALLOWLIST.includes(r.symbol),
  })
  if (locks.existingOrderId !== null) return duplicateOf(await getOrder(tx, locks.existingOrderId))
  const { position } = locks
  const reducing = isRiskReducing(r, position)
  if (r.riskReducing != null && r.riskReducing !== reducing) {
    log.warn(
      { claimed: r.riskReducing, actual: reducing, position_qty: position?.qty ?? 0 },
      'risk-reducing flag disagrees with the position; using the position',
    )
  }
  let recentOrders = 0
  if (!reducing) {
    recentOrders = locks.recentOrders ?? (await countRecentOrders(tx))
    // Far from the limit, concurrent placements cannot push the count over it; near it, serialise
    // them (lock held to commit) and count again, so the limit is exact across workers.
    if (recentOrders + THROTTLE_EXACT_MARGIN >= r.limits.RISK_MAX_ORDERS_PER_MIN) {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [THROTTLE_LOCK])
      recentOrders = await countRecentOrders(tx)
    }
  }
  const decide = (state: TradingStateName): Decided => gateOrder(r, priceTs, { state, positionQty: position?.qty ?? 0, recentOrders })
  let decided = decide(locks.state)
  let inserted = await insertDecided(tx, r, decided, locks.state)
  if (inserted.lockedState !== locks.state) {
    // The state changed after the unlocked read; it is locked now and cannot change again before commit.
    log.warn({ read: locks.state, locked: inserted.lockedState }, 'trading state changed during the placement; checking the order again')
    decided = decide(inserted.lockedState)
    inserted = await insertDecided(tx, r, decided, inserted.lockedState)
  }
  const { verdict } = decided
  if (verdict.warn) log.warn({ reason_code: verdict.reason_code, would: verdict.would, qty: verdict.qty }, verdict.warn)
  if (!inserted.order) {
    // A concurrent request for the same forecast committed first (the insert waited for it).
    const existing = await findOrderByForecast(tx, r.forecastId as number)
    if (!existing) throw new TradingInvariantError(`order for forecast ${String(r.forecastId)} conflicted but is not visible`)
    return duplicateOf(existing)
  }
  const final = decided.allowed ? await fill(tx, r.broker, inserted.order, position, log) : inserted.order
  log.info({ order_id: final.id, status: final.status, qty: final.qty, reason_code: verdict.reason_code, mode: final.mode }, 'order gated')
  return { order: final, verdict, duplicate: false }
}

interface Decided {
  verdict: OrderDecision
  policy: object | null
  allowed: boolean
  riskReducing: boolean
}

function gateOrder(r: OrderRequest, priceTs: Date | null, ctx: { state: TradingStateName; positionQty: number; recentOrders: number }): Decided {
  const order = { symbol: r.symbol, side: r.side, qty: r.qty, refPrice: r.refPrice, lastClose: r.lastClose, priceTs }
  const risk = runRiskChecks(order, { ...ctx, panic: r.exitId != null, now: r.now }, r.limits)
  const { decision, policy } = r.decide(risk, order)
  return { verdict: decision, policy, allowed: decisionAllows(decision, risk, r.qty), riskReducing: risk.riskReducing }
}

async function insertDecided(
  tx: DbClient,
  r: OrderRequest,
  { verdict, policy, allowed, riskReducing }: Decided,
  expectedState: TradingStateName,
): Promise<InsertedOrder> {
  const mirror = r.forecastId != null && r.exitId == null && policy != null ? { forecastId: r.forecastId, policy } : null
  return insertOrder(
    tx,
    {
      forecastId: r.forecastId ?? null,
      symbol: r.symbol,
      side: r.side,
      qty: allowed ? verdict.qty : r.qty,
      refPrice: r.refPrice,
      status: allowed ? 'proposed' : 'denied',
      gate: verdict,
      mode: r.exitId != null ? 'reduce_only' : verdict.gate_disabled ? 'disabled' : verdict.mode,
      exitId: r.exitId ?? null,
      riskReducing,
    },
    expectedState,
    mirror,
  )
}

const duplicateOf = (existing: OrderRow): OrderOutcome => ({ order: existing, verdict: existing.gate as unknown as OrderDecision, duplicate: true })

/**
 * Sends an allowed order to the broker and returns the order row after it. A broker failure
 * rejects the order without undoing the row: inside a savepoint, or, for a broker whose submit is
 * atomic (see Broker.atomicSubmit), without one; a database error there fails the whole placement.
 */
async function fill(tx: DbClient, broker: Broker, order: OrderRow, position: PositionRow | null, log: Logger): Promise<OrderRow> {
  const atomic = broker.atomicSubmit === true && position !== null
  if (!atomic) await tx.query('SAVEPOINT broker_submit')
  try {
    const res = await broker.submit(
      {
        id: order.id,
        symbol: order.symbol,
        side: order.side,
        qty: order.qty,
        ref_price: order.ref_price,
        ...(position === null ? {} : { position }),
      },
      tx,
    )
    const row = res.status === 'open' ? await setOrderStatus(tx, order.id, 'open', null) : res.order
    if (!atomic) await tx.query('RELEASE SAVEPOINT broker_submit')
    return row ?? (await getOrder(tx, order.id))
  } catch (err) {
    if (!atomic) await tx.query('ROLLBACK TO SAVEPOINT broker_submit')
    const e = err as Error & { code?: string }
    const patch = { broker_error: { code: e.code ?? 'BROKER_ERROR', message: e.message } }
    // Without a savepoint, a failed statement has aborted tx: then the broker's error fails the placement.
    const rejected = await setOrderStatus(tx, order.id, 'rejected', patch).catch(() => {
      throw err
    })
    log.error({ err: e, order_id: order.id, broker: broker.name }, 'broker rejected the order')
    return rejected
  }
}
