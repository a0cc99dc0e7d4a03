import { afterAll, beforeAll, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { freePort } from '@pulsetrade/http/testing'
import { buildTestApp } from './build-test-app'
import { featuresLlm, seedForecasts } from './seed-forecasts'

const db = await testDatabase()
let app: ReturnType<typeof buildTestApp>['app']

beforeAll(async () => {
  app = buildTestApp(db, `http://127.0.0.1:${await freePort()}/v1`).app
  // policy@1.0.0: 10 calls, latencies 10..100 ms, two failures; rationale@1.1.0: 4 calls.
  for (let i = 1; i <= 10; i++) {
    const err = i === 3 ? 'LLM_ERR_TIMEOUT' : i === 7 ? 'LLM_ERR_UNREACHABLE' : null
    await db.pool.query(
      'INSERT INTO llm_calls (prompt, version, latency_ms, prompt_tokens, completion_tokens, ok, error_code) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      ['policy', '1.0.0', i * 10, 100, 20, err === null, err],
    )
  }
  for (let i = 1; i <= 4; i++) {
    await db.pool.query("INSERT INTO llm_calls (prompt, version, latency_ms, ok) VALUES ('rationale', '1.1.0', 200, true)")
  }
  await db.pool.query("INSERT INTO llm_calls (prompt, version, latency_ms, ok, created_at) VALUES ('policy', '1.0.0', 5, true, now() - interval '3 days')")
  await seedForecasts(db.pool, 3, { decision: 'allow', version: '1.1.0' })
  await seedForecasts(db.pool, 2, { decision: 'deny', version: '1.1.0', start: new Date('2021-01-01T00:00:00Z') })
  await seedForecasts(db.pool, 1, { validJson: false, version: '1.1.0', start: new Date('2022-01-01T00:00:00Z') })
})
afterAll(async () => {
  await app.close()
})

test('GET /analytics/llm reports calls, latency percentiles, errors, JSON validity and decisions per prompt version', async () => {
  const res = await app.inject({ method: 'GET', url: '/analytics/llm?window=24h' })
  expect(res.statusCode).toBe(200)
  const body = res.json()
  expect(body.window_seconds).toBe(86_400)
  // Versions of the same prompt are separate rows (another test adds policy@2.0.0): find each by both.
  const policy = body.versions.find((v: { prompt: string; version: string }) => v.prompt === 'policy' && v.version === '1.0.0')
  expect(policy).toMatchObject({
    version: '1.0.0',
    calls: 10,
    calls_ok: 8,
    tokens: { prompt: 1000, completion: 200 },
    errors: { LLM_ERR_TIMEOUT: 1, LLM_ERR_UNREACHABLE: 1 },
    results: 6,
    valid_json: 5,
    decisions: { allow: 3, deny: 2, none: 1 },
    effective: { allow: 3, deny: 3 },
  })
  expect(policy.latency_ms.p50).toBeCloseTo(55)
  expect(policy.latency_ms.p95).toBeCloseTo(95.5)
  expect(policy.valid_json_rate).toBeCloseTo(5 / 6)
  const rationale = body.versions.find((v: { prompt: string; version: string }) => v.prompt === 'rationale' && v.version === '1.1.0')
  expect(rationale).toMatchObject({ version: '1.1.0', calls: 4, calls_ok: 4, results: 6, valid_json: 5, latency_ms: { p50: 200, p95: 200 } })
})

test('the window bounds what is counted', async () => {
  const week = (await app.inject({ method: 'GET', url: '/analytics/llm?window=7d' })).json()
  expect(week.versions.find((v: { prompt: string; version: string }) => v.prompt === 'policy' && v.version === '1.0.0').calls).toBe(11)
  const minute = (await app.inject({ method: 'GET', url: '/analytics/llm?window=1m' })).json()
  expect(minute.window_seconds).toBe(60)
})

test('the effective mix counts each policy value on its own: only deny is a denial', async () => {
  // policy@2.0.0: one row per value (docs/trading.md, Policy values), plus a second deny.
  const values = ['allow', 'deny', 'deny', 'reduce_only_allowed', 'no_order', 'pending'] as const
  for (const [i, effective] of values.entries()) {
    const asof = new Date(Date.UTC(2023, 0, 1 + i))
    const llm = featuresLlm('SPX', asof)
    const features = { llm: { ...llm, policy: { ...llm.policy, version: '2.0.0', effective } } }
    await db.pool.query(
      `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features)
       VALUES ('SPX', $1, 1, 'ewma-rm-1', 0, 0.01, 0.5, -0.01, 0.01, $2)`,
      [asof, JSON.stringify(features)],
    )
  }
  const body = (await app.inject({ method: 'GET', url: '/analytics/llm?window=24h' })).json()
  const policy = body.versions.find((v: { prompt: string; version: string }) => v.prompt === 'policy' && v.version === '2.0.0')
  expect(policy.effective).toEqual({ allow: 1, deny: 2, reduce_only_allowed: 1, no_order: 1, pending: 1 })
})
