import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../test/db'
import { buildTestApp } from './build-test-app'
import { seedForecasts } from './seed-forecasts'

const db = await testDatabase()
let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
  await seedForecasts(db.pool, 20, { symbol: 'SPX', decision: 'allow' })
  await seedForecasts(db.pool, 10, { symbol: 'SPX', decision: 'deny', start: new Date('2021-01-01T00:00:00Z') })
  await seedForecasts(db.pool, 5, { symbol: 'AAPL', validJson: false })
})
afterAll(async () => {
  await sim.close()
})
beforeEach(async () => {
  await sim.resetFaults()
  // A summary call of an earlier test may still be running (a wedged one resumes now): let it end,
  // so its llm_cache write lands before the delete below.
  for (let i = 0; i < 100 && sim.stats().running + sim.stats().waiting > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  await new Promise((resolve) => setTimeout(resolve, 100))
  sim.resetStats()
  // Every test summarises the same latest rows: start each without the summary llm_cache entry.
  await db.pool.query("DELETE FROM llm_cache WHERE prompt = 'summary'")
})

const apps: Array<{ close: () => Promise<unknown> }> = []
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()))
})
function app(env: Record<string, string> = {}) {
  const built = buildTestApp(db, `${sim.url}/v1`, env)
  apps.push(built.app)
  return built.app
}
const recent = (a: ReturnType<typeof app>, qs: string) => a.inject({ method: 'GET', url: `/analytics/recent?${qs}` })

describe('GET /analytics/recent', () => {
  test('lists the most recent forecasts with decision, rationale and validity, and a summary', async () => {
    const res = await recent(app(), 'limit=5&symbol=SPX')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.items).toHaveLength(5)
    const asofs = body.items.map((i: { asof: string }) => i.asof)
    expect(asofs).toEqual([...asofs].sort().reverse())
    expect(asofs[0]).toBe('2021-01-10T00:00:00.000Z')
    expect(body.items[0]).toMatchObject({
      symbol: 'SPX',
      side: 'buy',
      decision: 'deny',
      effective: 'deny',
      mode: 'enforce',
      fail_reason: 'llm_denied',
      rationale: 'Mild upside for SPX.',
      confidence: 0.6,
      valid: { rationale: true, policy: true },
      versions: { rationale: '1.0.0', policy: '1.0.0' },
    })
    expect(body.summary_status).toBe('ok')
    expect(body.summary.length).toBeGreaterThan(0)
    expect(body.summary_cached).toBe(false)
  })

  test('the summary of the same rows is served from the cache', async () => {
    const a = app()
    const first = await recent(a, 'limit=6&symbol=SPX')
    const requests = sim.stats().requests
    const second = await recent(a, 'limit=6&symbol=SPX')
    expect(second.json()).toMatchObject({ summary: first.json().summary, summary_status: 'ok', summary_cached: true })
    expect(sim.stats().requests).toBe(requests)
  })

  test('filters by symbol and shows invalid LLM answers as such', async () => {
    const res = await recent(app(), 'symbol=AAPL&limit=50')
    const items = res.json().items
    expect(items).toHaveLength(5)
    expect(items[0]).toMatchObject({
      symbol: 'AAPL',
      decision: null,
      effective: 'deny',
      fail_reason: 'invalid_json',
      rationale: null,
      valid: { rationale: false, policy: false },
    })
  })

  test('answers within the timeout + 100 ms with an empty summary when Lexi is wedged', async () => {
    sim.setFaults({ wedged: true })
    const a = app({ ANALYTICS_SUMMARY_TIMEOUT_MS: '300' })
    // The app's one-time start (plugins, schemas, first pool connection) is not the route's answer
    // time: warm it with a query that matches nothing (no summary, no Lexi call).
    await recent(a, 'symbol=NONE')
    const started = performance.now()
    const res = await recent(a, 'limit=7')
    const elapsed = performance.now() - started
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ summary: '', summary_status: 'timeout' })
    expect(res.json().items).toHaveLength(7)
    expect(elapsed).toBeLessThan(400)
  })

  test('reports unreachable with an empty summary when Lexi is down', async () => {
    sim.setFaults({ down: true })
    const res = await recent(app({ LLM_MAX_RETRIES: '0' }), 'limit=8')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ summary: '', summary_status: 'unreachable' })
    expect(res.json().items).toHaveLength(8)
  })

  test('reports invalid when Lexi answers broken JSON even after the repair round', async () => {
    sim.setFaults({ invalid_json: 1 })
    const res = await recent(app(), 'limit=9')
    expect(res.json()).toMatchObject({ summary: '', summary_status: 'invalid' })
  })

  test('asks nothing of Lexi when no forecast matches', async () => {
    const res = await recent(app(), 'symbol=NONE')
    expect(res.json()).toEqual({ items: [], summary: '', summary_status: 'empty', summary_cached: false, summary_at: null })
    expect(sim.stats().requests).toBe(0)
  })
})
