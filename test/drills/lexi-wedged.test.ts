import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { buildApp } from '@pulsetrade/api/app'
import { loadConfig as apiConfig } from '@pulsetrade/api/config'
import { loadConfig as forecastConfig } from '@pulsetrade/forecast/config'
import { createForecastRuntime } from '@pulsetrade/forecast/runtime'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, FeaturesLlmSchema, loadPromptRegistry } from '@pulsetrade/llm'
import { testDatabase } from '../db'
import { eligibleBars, loadSpxBars } from './kit/forecast-bars'
import { captureLogs } from './kit/log-capture'

/**
 * Drill 3: Lexi wedged (its /health stays 200, requests are accepted, no token ever comes). While
 * a forecast run works through 40 bars against it, the api's GET /llm/health must report not ok
 * within its probe timeout, and the run must finish with every row stored, its LLM results failed
 * with timeouts (or failed fast by the open circuit those timeouts caused), every policy's
 * fail_reason "timeout" (the cause the circuit carries), and its orders denied.
 */
const HEALTH_TIMEOUT_MS = 300
const LLM_TIMEOUT_MS = 600
const SLACK_MS = 700
const PROMPTS = fileURLToPath(new URL('../../configs/llm_prompts.yaml', import.meta.url))

const db = await testDatabase()
let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0, faults: { wedged: true } })
})
afterAll(async () => {
  await sim?.close()
})

test('against a wedged Lexi, /llm/health is not ok within its timeout and a forecast run finishes with timeouts recorded', { timeout: 60_000 }, async () => {
  const env = { DATABASE_URL: db.url, LLM_BASE_URL: `${sim.url}/v1`, LOG_LEVEL: 'error' }
  // The fail-closed write path: with the outage pause on, these historical bars would wait for Lexi instead (lexi-outage-recovery drill).
  const config = forecastConfig({
    ...env,
    LLM_TIMEOUT_MS: String(LLM_TIMEOUT_MS),
    FORECAST_CONCURRENCY: '8',
    FORECAST_POLL_MS: '100',
    FORECAST_OUTAGE_PAUSE: '0',
  })
  await loadSpxBars(db.pool, config.FORECAST_MIN_BARS - 1 + 40)
  const expected = await eligibleBars(db.pool, config.FORECAST_MIN_BARS)
  const logs = captureLogs('error')
  const rt = createForecastRuntime({ config, db: db.pool, logger: logs.logger, metrics: new Registry() })
  const running = rt.worker.runOnce()

  // The api service, probing the same Lexi while the worker waits on it.
  const api = apiConfig({ ...env, LLM_HEALTH_TIMEOUT_MS: String(HEALTH_TIMEOUT_MS) })
  const llm = createLlmClient({ baseURL: api.LLM_BASE_URL, healthTimeoutMs: api.LLM_HEALTH_TIMEOUT_MS, logger: logs.logger })
  const app = buildApp({ config: api, db: db.pool, llm, prompts: loadPromptRegistry(PROMPTS), logger: logs.logger })
  try {
    const started = Date.now()
    const health = await app.inject({ method: 'GET', url: '/llm/health' })
    expect(Date.now() - started).toBeLessThan(HEALTH_TIMEOUT_MS + SLACK_MS)
    expect(health.statusCode).toBe(503)
    expect(health.json()).toMatchObject({ ok: false, cached: false, error: `timeout after ${HEALTH_TIMEOUT_MS} ms` })
  } finally {
    await app.close()
    await llm.close()
  }

  const summary = await Promise.race([
    running,
    sleep(45_000).then(() => {
      throw new Error('the forecast run did not finish against a wedged Lexi')
    }),
  ])
  await rt.close()
  expect(summary).toMatchObject({ done: expected.length, failed: 0 })

  const rows = (await db.pool.query<{ llm: unknown }>("SELECT features->'llm' AS llm FROM forecasts ORDER BY asof")).rows.map((r) =>
    FeaturesLlmSchema.parse(r.llm),
  )
  expect(rows.map((f) => f.inputs.asof)).toEqual(expected)
  for (const f of rows) {
    // One verdict per order (the placement's): denied; a forecast without an order gated nothing.
    expect(f.policy).toMatchObject({ ok: false, effective: f.inputs.order ? 'deny' : 'no_order', parsed: null })
    expect(f.rationale.ok).toBe(false)
    for (const r of [f.rationale, f.policy]) expect(['LLM_ERR_TIMEOUT', 'LLM_ERR_CIRCUIT_OPEN']).toContain(r.error?.code)
  }
  // Every row says why: Lexi timed out. The first calls timed out themselves; the rest were failed
  // fast (error.code LLM_ERR_CIRCUIT_OPEN) by the circuit those timeouts opened, and name that cause.
  expect(rows.map((f) => f.policy.fail_reason).filter((r) => r !== 'timeout')).toEqual([])
  const codes = rows.map((f) => f.policy.error?.code)
  expect(codes.filter((c) => c === 'LLM_ERR_TIMEOUT').length).toBeGreaterThan(0)
  expect(codes.filter((c) => c === 'LLM_ERR_CIRCUIT_OPEN').length).toBeGreaterThan(0)
  for (const f of rows) {
    for (const r of [f.rationale, f.policy]) {
      if (r.error?.code === 'LLM_ERR_CIRCUIT_OPEN') expect(r.error.message).toMatch(/^circuit open for \S+ after \d+ consecutive timeouts$/)
    }
  }
  // Every proposed order was placed, and denied (fail closed).
  const orders = await db.pool.query<{ status: string; fail_reason: string | null }>("SELECT status, gate->>'fail_reason' AS fail_reason FROM orders")
  expect(orders.rows.length).toBe(rows.filter((f) => f.inputs.order !== null).length)
  expect(orders.rows.length).toBeGreaterThan(0)
  expect(orders.rows.filter((r) => r.status !== 'denied')).toEqual([])
  // The order's own gate record (what the shadow report groups by) names the same cause.
  expect(orders.rows.filter((r) => r.fail_reason !== 'timeout')).toEqual([])
  expect(logs.atLeast(50)).toEqual([])
  // Every request the worker abandoned was aborted upstream: no Lexi slot stays taken.
  for (let i = 0; i < 40 && sim.stats().running > 0; i++) await sleep(25)
  expect(sim.stats().running).toBe(0)
})
