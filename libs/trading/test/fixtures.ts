import { Writable } from 'node:stream'
import type { Db } from '@pulsetrade/db'
import pino, { type Logger } from 'pino'
import { loadRiskLimits, type RiskLimits } from '../src/limits'
import type { Broker } from '../src/broker'
import type { OrderRequest } from '../src/place-order'
import type { DecideOrder, OrderDecision } from '../src/trading-types'

export interface TestDecision {
  /** Deny a risk-increasing order that passed the risk checks (as an LLM deny would). */
  deny?: boolean
  /** Final quantity of an allowed risk-increasing order (as an LLM shrink would); default: as requested. */
  qty?: number
  mode?: 'enforce' | 'shadow'
  gateDisabled?: boolean
  would?: OrderDecision['would']
  /** fail_reason of an allowed or LLM-denied decision (a shadow would_deny records why). */
  failReason?: string | null
  warn?: string | null
  /** The policy record mirrored into the forecast (null: none). */
  policy?: object | null
  /** Counts the calls. */
  calls?: { n: number }
}

/**
 * A decider for placement tests, standing in for the forecast service's policy gate (libs/trading
 * never imports libs/llm): a failed risk check denies; a risk-reducing order is
 * reduce_only_allowed; otherwise allow (with `qty`) or deny as told.
 */
export function testDecide(o: TestDecision = {}): DecideOrder {
  return (risk, order) => {
    if (o.calls) o.calls.n++
    const base = {
      requested_qty: order.qty,
      mode: o.mode ?? ('enforce' as const),
      gate_disabled: o.gateDisabled ?? false,
      warn: o.warn ?? null,
      risk_reducing: risk.riskReducing,
      would: o.would ?? null,
      checks: risk.checks,
    }
    const policy = o.policy ?? null
    const failed = risk.checks.find((c) => !c.pass)
    if (!risk.pass) return { decision: { ...base, effective: 'deny', qty: 0, reason_code: failed?.code ?? 'RISK_DENIED', fail_reason: 'risk_denied' }, policy }
    if (risk.riskReducing)
      return { decision: { ...base, effective: 'reduce_only_allowed', qty: order.qty, reason_code: 'RISK_REDUCING', fail_reason: null }, policy }
    if (o.deny) return { decision: { ...base, effective: 'deny', qty: 0, reason_code: 'TEST_DENY', fail_reason: o.failReason ?? 'llm_denied' }, policy }
    return { decision: { ...base, effective: 'allow', qty: o.qty ?? order.qty, reason_code: 'TEST_ALLOW', fail_reason: o.failReason ?? null }, policy }
  }
}

/** A pino logger writing JSON lines into `lines`. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()))
      cb()
    },
  })
  return { logger: pino({ level: 'info' }, sink), lines }
}

export const quietLogger = (): Logger => pino({ level: 'silent' })

export const testLimits = (env: Record<string, string> = {}): RiskLimits =>
  loadRiskLimits({ RISK_SYMBOL_ALLOWLIST: 'SPX,AAA,BBB', RISK_MAX_ORDERS_PER_MIN: '100000', ...env })

/** The clock of the placement tests: an order priced now at 100. */
export const TEST_NOW = new Date('2024-03-01T21:00:00Z')

/** An order at price 100 priced at TEST_NOW, decided by testDecide() under testLimits(); `o` overrides any field. */
export function testOrder(broker: Broker, o: Pick<OrderRequest, 'symbol' | 'side' | 'qty'> & Partial<OrderRequest>): OrderRequest {
  return {
    refPrice: 100,
    lastClose: 100,
    priceTs: TEST_NOW,
    now: TEST_NOW,
    decide: testDecide(),
    limits: testLimits(),
    broker,
    logger: quietLogger(),
    ...o,
  }
}

/** Back to ACTIVE with no orders, positions, exits or audit rows. */
export async function resetTrading(db: Db): Promise<void> {
  await db.query(`UPDATE trading_state SET state = 'ACTIVE', exit_id = NULL, reason = 'test reset', changed_by = 'test'`)
  await db.query('DELETE FROM orders; DELETE FROM positions; DELETE FROM panic_exits; DELETE FROM audit_log')
}

let seq = 0
/** A forecast row (orders.forecast_id references forecasts), optionally with a features.llm object. */
export async function insertForecast(db: Db, opts: { symbol?: string; realizedReturn?: number | null; withLlm?: boolean } = {}): Promise<number> {
  seq += 1
  const asof = new Date(Date.UTC(2020, 0, 1) + seq * 86_400_000 + Math.floor(Math.random() * 1e6) * 1000)
  const features = opts.withLlm ? { llm: { model: 'Lexi', policy: { placeholder: true } } } : {}
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features, realized_return, resolved_at)
     VALUES ($1, $2, 1, 'test', 0.001, 0.01, 0.55, -0.015, 0.017, $3, $4, CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() END)
     RETURNING id`,
    [opts.symbol ?? 'SPX', asof, JSON.stringify(features), opts.realizedReturn ?? null],
  )
  return rows[0]!.id
}
