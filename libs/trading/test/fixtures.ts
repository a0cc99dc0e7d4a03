import { Writable } from 'node:stream'
import type { Db } from '@pulsetrade/db'
import type { LlmResult, PolicyDecision } from '@pulsetrade/llm'
import pino, { type Logger } from 'pino'
import { loadRiskLimits, type RiskLimits } from '../src/limits'

/** A policy LlmResult as the client returns it. */
export function policyResult (decision: Partial<PolicyDecision>, over: Partial<LlmResult<PolicyDecision>> = {}): LlmResult<PolicyDecision> {
  const parsed: PolicyDecision = { decision: 'allow', size_factor: 1, reason: 'fits the forecast', risk_flags: [], ...decision }
  return {
    prompt: 'policy', version: '1.0.0', hash: 'sha256:abc', arm: null, bucket: null, ok: true, valid_json: true,
    repaired: false, cached: false, parsed, raw: JSON.stringify(parsed), finish_reason: 'stop', latency_ms: 100,
    usage: { prompt_tokens: 300, completion_tokens: 40 }, request_id: 'req-1', error: null, ...over,
  }
}

export const failedResult = (code: string): LlmResult<PolicyDecision> =>
  policyResult({}, { ok: false, valid_json: false, parsed: null, raw: '', finish_reason: null, error: { code, message: 'failed' } })

/** A pino logger writing JSON lines into `lines`. */
export function memoryLogger (): { logger: Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({ write (chunk: Buffer, _enc, cb) { lines.push(JSON.parse(chunk.toString())); cb() } })
  return { logger: pino({ level: 'info' }, sink), lines }
}

export const quietLogger = (): Logger => pino({ level: 'silent' })

export const testLimits = (env: Record<string, string> = {}): RiskLimits =>
  loadRiskLimits({ RISK_SYMBOL_ALLOWLIST: 'SPX,AAA,BBB', RISK_MAX_ORDERS_PER_MIN: '100000', ...env })

/** Back to ACTIVE with no orders, positions, exits or audit rows. */
export async function resetTrading (db: Db): Promise<void> {
  await db.query(`UPDATE trading_state SET state = 'ACTIVE', exit_id = NULL, reason = 'test reset', changed_by = 'test'`)
  await db.query('DELETE FROM orders; DELETE FROM positions; DELETE FROM panic_exits; DELETE FROM audit_log')
}

let seq = 0
/** A forecast row (orders.forecast_id references forecasts), optionally with a features.llm object. */
export async function insertForecast (db: Db, opts: { symbol?: string, realizedReturn?: number | null, withLlm?: boolean } = {}): Promise<number> {
  seq += 1
  const asof = new Date(Date.UTC(2020, 0, 1) + seq * 86_400_000 + Math.floor(Math.random() * 1e6) * 1000)
  const features = opts.withLlm ? { llm: { model: 'Lexi', policy: { placeholder: true } } } : {}
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features, realized_return, resolved_at)
     VALUES ($1, $2, 1, 'test', 0.001, 0.01, 0.55, -0.015, 0.017, $3, $4, CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() END)
     RETURNING id`, [opts.symbol ?? 'SPX', asof, JSON.stringify(features), opts.realizedReturn ?? null])
  return rows[0]!.id
}
