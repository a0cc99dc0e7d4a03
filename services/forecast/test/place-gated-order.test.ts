import { Writable } from 'node:stream'
import { startLexiSim } from '@pulsetrade/lexi-sim'
import { PolicyRecordSchema } from '@pulsetrade/llm'
import { getPosition } from '@pulsetrade/trading'
import pino from 'pino'
import { Registry } from 'prom-client'
import { beforeEach, describe, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { createForecastRuntime } from '../src/forecast-runtime'
import { loadBundledBars, testConfig, workerEnv } from './forecast-harness'
import { countingGate, inputsFor, placerFor, runOne, storeForecast } from './gated-order-kit'

/**
 * The forecast service's composition risk (libs/trading) → gate (libs/llm) → placement: the gate
 * runs once per order, and its one verdict is both orders.gate and features.llm.policy.
 */
const db = await testDatabase()
const buy = (qty = 10) => ({ side: 'buy' as const, qty, ref_price: 100, notional: qty * 100 })
const sell = (qty = 10) => ({ side: 'sell' as const, qty, ref_price: 100, notional: qty * 100 })
const DENY = { decision: 'deny', size_factor: 1, reason: 'event risk', risk_flags: [] }
const ALLOW = { decision: 'allow', size_factor: 1, reason: 'fine', risk_flags: [] }

beforeEach(async () => {
  await db.pool.query(`UPDATE trading_state SET state = 'ACTIVE', exit_id = NULL`)
  await db.pool.query('DELETE FROM orders; DELETE FROM positions; DELETE FROM forecasts')
})

/** The gate fields of a policy record equal the verdict's: it is the same decision. */
function expectSameDecision(r: Awaited<ReturnType<typeof runOne>>): void {
  PolicyRecordSchema.parse(r.policy)
  const g = r.gate!
  expect({
    effective: r.policy.effective,
    would: r.policy.would,
    fail_reason: r.policy.fail_reason,
    mode: r.policy.mode,
    gate_disabled: r.policy.gate_disabled,
  }).toEqual({ effective: g.effective, would: g.would, fail_reason: g.fail_reason, mode: g.mode, gate_disabled: g.gate_disabled })
}

describe('risk → gate → placement', () => {
  test('runs the gate exactly once per order, and that verdict is orders.gate and features.llm.policy', async () => {
    const { gate, runs } = countingGate()
    const place = placerFor(db.pool, { gate })
    const cases = [
      { inputs: inputsFor('SPX', buy()), policy: ALLOW },
      { inputs: inputsFor('SPX', buy(7)), policy: { ...ALLOW, size_factor: 0.5 } },
      { inputs: inputsFor('AAA', buy()), policy: DENY },
      { inputs: inputsFor('TSLA', buy()), policy: ALLOW }, // risk denies: not on the allow-list
      { inputs: inputsFor('SPX', buy()), fail: 'LLM_ERR_TIMEOUT' },
    ]
    const stored = []
    for (const c of cases) stored.push(await runOne(db.pool, place, c.inputs, c))
    expect(runs).toHaveLength(cases.length)
    for (const [i, r] of stored.entries()) {
      expect(r.gate).toEqual(JSON.parse(JSON.stringify(runs[i]!.verdict)))
      expectSameDecision(r)
    }
    expect(stored.map((r) => [r.status, r.qty, r.gate?.reason_code, r.policy.effective, r.policy.fail_reason])).toEqual([
      ['filled', 10, 'LLM_ALLOW', 'allow', null],
      ['filled', 3, 'LLM_SHRINK', 'allow', null],
      ['denied', 10, 'LLM_DENY', 'deny', 'llm_denied'],
      ['denied', 10, 'RISK_SYMBOL_NOT_ALLOWED', 'deny', 'risk_denied'],
      ['denied', 10, 'LLM_TIMEOUT', 'deny', 'timeout'],
    ])
    // A forecast without an order never reaches the gate.
    expect((await runOne(db.pool, place, inputsFor('SPX', null), { policy: DENY })).policy.effective).toBe('no_order')
    expect(runs).toHaveLength(cases.length)
    // A retry of a forecast that has its order returns it without gating again.
    const first = stored[0]!
    const features = (await db.pool.query("SELECT features->'llm' AS llm FROM forecasts WHERE id = $1", [first.id])).rows[0].llm
    expect(await place({ forecastId: first.id, asof: new Date(features.inputs.asof), features })).toBe('duplicate')
    expect(runs).toHaveLength(cases.length)
  })

  test('a risk-reducing order that fills under an LLM deny records reduce_only_allowed in both places', async () => {
    const { gate, runs } = countingGate()
    const place = placerFor(db.pool, { gate })
    await runOne(db.pool, place, inputsFor('SPX', buy(10)), { policy: ALLOW })
    const exit = await runOne(db.pool, place, inputsFor('SPX', sell(4)), { policy: DENY })
    expect(exit).toMatchObject({
      status: 'filled',
      qty: 4,
      gate: { effective: 'reduce_only_allowed', reason_code: 'RISK_REDUCING', would: null, fail_reason: null },
    })
    expect(exit.policy).toMatchObject({ effective: 'reduce_only_allowed', parsed: { decision: 'deny' } })
    expectSameDecision(exit)
    expect(runs).toHaveLength(2)
    expect(await getPosition(db.pool, 'SPX')).toMatchObject({ qty: 6 })
  })

  test('shadow mode fills a denied or failed decision and records would_deny with why', async () => {
    const { gate } = countingGate()
    const place = placerFor(db.pool, { gate, mode: 'shadow' })
    const denied = await runOne(db.pool, place, inputsFor('SPX', buy(2)), { policy: DENY, mode: 'shadow' })
    expect(denied).toMatchObject({
      status: 'filled',
      gate: { effective: 'allow', would: 'would_deny', fail_reason: 'llm_denied', reason_code: 'SHADOW_WOULD_DENY' },
    })
    expectSameDecision(denied)
    const failed = await runOne(db.pool, place, inputsFor('SPX', buy(2)), { fail: 'LLM_ERR_UNREACHABLE', mode: 'shadow' })
    expect(failed).toMatchObject({ status: 'filled', gate: { would: 'would_deny', fail_reason: 'unreachable' } })
    expectSameDecision(failed)
  })

  test('ORDER_GATE_DISABLED fills with a warning on every order but never bypasses a risk check', async () => {
    const lines: Array<Record<string, unknown>> = []
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _e, cb) {
          lines.push(JSON.parse(chunk.toString()))
          cb()
        },
      }),
    )
    const { gate } = countingGate()
    const place = placerFor(db.pool, { gate, gateDisabled: true, logger })
    for (let i = 0; i < 2; i++) {
      const r = await runOne(db.pool, place, inputsFor('SPX', buy(1)), { fail: 'LLM_ERR_TIMEOUT', gateDisabled: true })
      expect(r).toMatchObject({ status: 'filled', gate: { effective: 'allow', reason_code: 'GATE_DISABLED', would: 'would_deny' } })
    }
    expect(lines.filter((l) => l.level === 40 && String(l.msg).startsWith('ORDER_GATE_DISABLED'))).toHaveLength(2)
    const risky = await runOne(db.pool, place, inputsFor('TSLA', buy(1)), { policy: ALLOW, gateDisabled: true })
    expect(risky).toMatchObject({ status: 'denied', gate: { effective: 'deny', reason_code: 'RISK_SYMBOL_NOT_ALLOWED' } })
  })

  test("the enricher's diagnosis of an open circuit is the fail_reason the gate records", async () => {
    const { gate } = countingGate()
    const place = placerFor(db.pool, { gate })
    const inputs = inputsFor('SPX', buy(1))
    const { id, features } = await storeForecast(db.pool, inputs, { fail: 'LLM_ERR_CIRCUIT_OPEN' })
    features.policy.fail_reason = 'unreachable' // what the enricher's probe wrote
    await place({ forecastId: id, asof: new Date(inputs.asof), features })
    const { rows } = await db.pool.query("SELECT gate->>'fail_reason' AS f, gate->>'reason_code' AS c FROM orders WHERE forecast_id = $1", [id])
    expect(rows).toEqual([{ f: 'unreachable', c: 'LLM_UNREACHABLE' }])
  })
})

describe('the forecast worker', () => {
  const rtdb = testDatabase()

  test('gates each proposed order once over a whole run, and never a forecast without one', async () => {
    const { pool, url } = await rtdb
    const sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
    const { gate, runs } = countingGate()
    try {
      await loadBundledBars(pool, 100)
      const rt = createForecastRuntime({
        config: testConfig(workerEnv(url, sim.url)),
        db: pool,
        logger: pino({ level: 'silent' }),
        metrics: new Registry(),
        gate,
      })
      try {
        await rt.worker.runOnce()
      } finally {
        await rt.close()
      }
    } finally {
      await sim.close()
    }
    const { rows } = await pool.query<{ order: unknown; policy: Record<string, unknown>; gate: Record<string, unknown> | null }>(
      `SELECT f.features->'llm'->'inputs'->'order' AS order, f.features->'llm'->'policy' AS policy, o.gate
         FROM forecasts f LEFT JOIN orders o ON o.forecast_id = f.id`,
    )
    const withOrder = rows.filter((r) => r.order !== null)
    expect(rows).toHaveLength(40)
    expect(withOrder.length).toBeGreaterThan(0)
    expect(runs).toHaveLength(withOrder.length)
    for (const r of withOrder) {
      const pick = (x: Record<string, unknown>) => ({ effective: x.effective, would: x.would, fail_reason: x.fail_reason, mode: x.mode })
      expect(pick(r.policy)).toEqual(pick(r.gate!))
    }
    for (const r of rows.filter((x) => x.order === null)) expect([r.policy.effective, r.gate]).toEqual(['no_order', null])
  }, 120_000)
})
