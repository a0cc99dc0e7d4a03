import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../test/db'
import { auth, buildTestApp } from './build-test-app'

const db = await testDatabase()
let sim: LexiSim
let app: ReturnType<typeof buildTestApp>['app']
let llm: ReturnType<typeof buildTestApp>['llm']

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0, vllmVersion: '0.11.0' })
})
// Each test has its own app and client: circuits a test opened stay open through their cool-down.
beforeEach(() => {
  ;({ app, llm } = buildTestApp(db, `${sim.url}/v1`, { LLM_HEALTH_FAIL_TTL_MS: '0', LLM_MAX_RETRIES: '0' }))
})
afterEach(async () => {
  await app.close()
  await sim.resetFaults()
})
afterAll(async () => {
  await sim.close()
})

const lexi = async (): Promise<Record<string, unknown> & { state: string }> => {
  const res = await app.inject({ method: 'GET', url: '/llm/admin/lexi', headers: auth })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

test('ok with the served model and vLLM version, closed circuits, every priority class, and latency of all callers from llm_calls', async () => {
  // Calls other processes wrote in the window (and one outside it, and a health probe, neither counted).
  await db.pool.query(
    `INSERT INTO llm_calls (prompt, version, latency_ms, ok, error_code, created_at)
     SELECT 'policy', '1.0.0', i * 10, i <> 3, CASE WHEN i = 3 THEN 'LLM_ERR_TIMEOUT' END, now() - interval '1 minute' FROM generate_series(1, 20) i
     UNION ALL SELECT 'policy', '1.0.0', 99999, true, NULL, now() - interval '1 hour'
     UNION ALL SELECT 'health', '1.0.0', 88888, true, NULL, now()`,
  )
  const s = await lexi()
  expect(s).toMatchObject({
    state: 'ok',
    cause: null,
    model: 'Lexi',
    vllm_version: '0.11.0',
    upstreams: [{ url: new URL(sim.url).host + '/v1', circuit: 'closed', cause: null }],
    latency: { window_s: 300, calls: 20, errors: 1, p50_ms: 105, p95_ms: 191 },
  })
  expect((s.classes as Array<{ class: string }>).map((c) => c.class)).toEqual(['health', 'trading', 'forecast', 'interactive', 'batch'])
  expect(Date.now() - Date.parse(s.checked_at as string)).toBeLessThan(10_000)
  // A polled read: no audit row, whoever asks.
  expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(0)
})

test('down with its cause when Lexi stops answering, ok again when it is back; the last model and version stay shown', async () => {
  // Seen once while Lexi answers (in whichever order the tests run).
  let s = await lexi()
  for (let i = 0; i < 40 && s.state !== 'ok'; i++) {
    await new Promise((r) => setTimeout(r, 100))
    s = await lexi()
  }
  expect(s).toMatchObject({ state: 'ok', model: 'Lexi', vllm_version: '0.11.0' })
  await sim.setFaults({ down: true })
  s = await lexi()
  for (let i = 0; i < 40 && s.state !== 'down'; i++) {
    await new Promise((r) => setTimeout(r, 100))
    s = await lexi()
  }
  expect(s.state).toBe('down')
  expect(String(s.cause)).toMatch(/ECONNREFUSED|refused|unreachable/i)
  expect(s).toMatchObject({ model: 'Lexi', vllm_version: '0.11.0' })
  // Calls of this process that fail open its circuit; the view names the error that opened it.
  for (let i = 0; i < 10 && llm.stats().upstreams[0]!.circuit !== 'open'; i++) await llm.models({ timeoutMs: 500 }).catch(() => null)
  s = await lexi()
  expect(s.upstreams).toEqual([{ url: expect.any(String), circuit: 'open', cause: 'LLM_ERR_UNREACHABLE' }])
  await sim.setFaults({ down: false })
  for (let i = 0; i < 60 && s.state !== 'ok'; i++) {
    await new Promise((r) => setTimeout(r, 100))
    s = await lexi()
  }
  expect(s).toMatchObject({ state: 'ok', cause: null })
})
