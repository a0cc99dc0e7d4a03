import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, loadPromptRegistry, PolicyDecisionSchema, RationaleSchema, type LlmInputs } from '@pulsetrade/llm'
import { testDatabase } from '../../../test/db'
import { as, auth, buildTestApp, PROMPTS_PATH } from './build-test-app'

const db = await testDatabase()
let sim: LexiSim
let forecastId: number
const apps: Array<{ close: () => Promise<unknown> }> = []

const inputs: LlmInputs = {
  symbol: 'SPX',
  asof: '2020-01-31T00:00:00.000Z',
  horizon: 1,
  forecast: { mu: -0.0002, sigma: 0.0073, p_up: 0.489, q05: -0.0122, q95: 0.0118 },
  signals: { ret_1: -0.0179, ret_5: -0.0215, ret_20: -0.01, vol_20: 0.0074, rsi_14: 42.7, zscore_20: -1.65, volume_ratio: 1.25 },
  order: { side: 'sell', qty: 3, ref_price: 3225.52, notional: 9676.56 },
}

/** Writes a forecast the way the worker does: real client calls (policy at temperature 0 lands in llm_cache). */
async function seedForecastWithRealCalls(): Promise<number> {
  const prompts = loadPromptRegistry(PROMPTS_PATH)
  const llm = createLlmClient({ baseURL: `${sim.url}/v1`, timeoutMs: 5000, db: db.pool, logger: pino({ level: 'silent' }) })
  const unitKey = `${inputs.symbol}|${inputs.asof}`
  const policyPrompt = prompts.render('policy', inputs, { unitKey })
  expect(policyPrompt.sampling.temperature).toBe(0)
  const [rationale, policy] = await Promise.all([
    llm.structured(prompts.render('rationale', inputs, { unitKey }), RationaleSchema),
    llm.structured(policyPrompt, PolicyDecisionSchema),
  ])
  await llm.close()
  const features = {
    llm: { model: 'Lexi', inputs, rationale, policy: { ...policy, mode: 'enforce', gate_disabled: false, effective: 'allow', would: null, fail_reason: null } },
  }
  const { rows } = await db.pool.query<{ id: number }>(
    `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features)
     VALUES ('SPX', $1, 1, 'ewma-rm-1', -0.0002, 0.0073, 0.489, -0.0122, 0.0118, $2) RETURNING id`,
    [inputs.asof, JSON.stringify(features)],
  )
  return rows[0]!.id
}

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
  forecastId = await seedForecastWithRealCalls()
})
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()))
  await sim.close()
})
beforeEach(() => {
  sim.resetFaults()
  sim.resetStats()
})

function app(prompts?: Parameters<typeof buildTestApp>[3]) {
  const built = buildTestApp(db, `${sim.url}/v1`, {}, prompts)
  apps.push(built.app)
  return built.app
}
const replay = (a: ReturnType<typeof app>, payload: object, headers: Record<string, string> = auth) =>
  a.inject({ method: 'POST', url: '/llm/admin/replay', headers, payload })

describe('POST /llm/admin/replay', () => {
  test('serves the cached response for a row written at temperature 0, without reaching Lexi', async () => {
    const res = await replay(app(), { id: forecastId, prompt: 'policy' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ id: forecastId, force: false, cached: true, drift: false, prompt: 'policy', version: '1.0.0' })
    expect(body.results[0]).toMatchObject({ ok: true, valid_json: true, cached: true, recorded: { version: '1.0.0', hash: body.hash } })
    expect(sim.stats().requests).toBe(0)
  })

  test('force:true reaches the simulator and overwrites the cache', async () => {
    const a = app()
    const res = await replay(a, { id: forecastId, prompt: 'policy', force: true })
    expect(res.json()).toMatchObject({ cached: false, force: true, drift: false })
    expect(sim.stats().requests).toBeGreaterThanOrEqual(1)
    // This prompt's own cache row (another test may have cached an edited version's): still one, overwritten.
    const hits = (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM llm_cache WHERE prompt = 'policy' AND hash = $1", [res.json().hash]))
      .rows[0]!.n
    expect(hits).toBe(1)
  })

  test('an edited prompt version shows drift:true', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prompts-'))
    const edited = readFileSync(PROMPTS_PATH, 'utf8').replace(
      'You are the pre-trade reviewer of PulseTrade',
      'You are the senior pre-trade reviewer of PulseTrade',
    )
    expect(edited).not.toBe(readFileSync(PROMPTS_PATH, 'utf8'))
    writeFileSync(path.join(dir, 'llm_prompts.yaml'), edited)
    const prompts = loadPromptRegistry(path.join(dir, 'llm_prompts.yaml'), { verifyLock: false })
    const res = await replay(app(prompts), { id: forecastId, prompt: 'policy' })
    const body = res.json()
    expect(body).toMatchObject({ drift: true, cached: false, version: '1.0.0' })
    expect(body.hash).not.toBe(body.results[0].recorded.hash)
    expect(sim.stats().requests).toBeGreaterThanOrEqual(1)
  })

  test('another version than the recorded one shows drift:true', async () => {
    const res = await replay(app(), { id: forecastId, prompt: 'rationale', version: '1.1.0' })
    expect(res.json()).toMatchObject({ drift: true, version: '1.1.0', results: [{ recorded: { version: '1.0.0' } }] })
  })

  test('without a prompt both requests are rebuilt', async () => {
    const res = await replay(app(), { id: forecastId })
    expect(res.json().results.map((r: { prompt: string }) => r.prompt)).toEqual(['rationale', 'policy'])
    expect(res.json().drift).toBe(false)
  })

  test('an unknown id is a 404 and an unknown version a 400', async () => {
    const a = app()
    const missing = await replay(a, { id: 999_999 })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'API_ERR_NOT_FOUND', message: 'forecast 999999 not found' })
    const bad = await replay(a, { id: forecastId, prompt: 'policy', version: '9.9.9' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toContain('no version "9.9.9"')
  })

  test('every replay is written to audit_log with the actor', async () => {
    const a = app()
    await replay(a, { id: forecastId, prompt: 'policy' }, as('ops.alice'))
    const { rows } = await db.pool.query("SELECT actor, action, details FROM audit_log WHERE actor = 'ops.alice'")
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ action: 'llm.replay', details: { status: 200, body: { id: forecastId, prompt: 'policy' } } })
    expect(JSON.stringify(rows[0])).not.toContain('test-admin-token')
    expect(JSON.stringify(rows[0])).not.toContain('ops.alice-token')
  })
})
