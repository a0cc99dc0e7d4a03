import { afterAll, describe, expect, test } from 'vitest'
import { loadPromptRegistry } from '@pulsetrade/llm'
import { testDatabase } from '../../../test/db'
import { auth, buildTestApp, PROMPTS_PATH, TOKEN } from './build-test-app'

const db = await testDatabase()
// Failures are throttled per address (issue 15); this file's 30 refusals stay under a high limit.
const { app } = buildTestApp(db, 'http://127.0.0.1:1/v1', {
  ENABLE_PANIC_EXIT: '1',
  LLM_AB_BUCKETS: 'rationale:1.0.0=90,1.1.0=10',
  ADMIN_AUTH_MAX_FAILURES: '1000',
})
afterAll(async () => {
  await app.close()
})

const ROUTES: Array<[string, string, object?]> = [
  ['POST', '/llm/admin/replay', { id: 1 }],
  ['GET', '/llm/admin/prompts'],
  ['GET', '/llm/admin/shadow-report'],
  ['POST', '/strategist/panic-exit', { reason: 'test' }],
  ['GET', '/strategist/state'],
  ['POST', '/strategist/resume', { reason: 'test' }],
]

describe('admin authentication', () => {
  test.each(ROUTES)('%s %s answers 401 without a valid bearer token, and each refusal is audited as auth.failed', async (method, url, payload) => {
    await db.pool.query('DELETE FROM audit_log')
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-wrong-token' },
      { authorization: `Bearer ${TOKEN.toUpperCase()}` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: TOKEN },
    ]) {
      const res = await app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) })
      expect(res.statusCode).toBe(401)
    }
    const rows = (await db.pool.query("SELECT actor, action, details->>'route' AS route FROM audit_log")).rows
    expect(rows).toEqual(Array.from({ length: 5 }, () => ({ actor: 'anonymous', action: 'auth.failed', route: url })))
    expect((await db.pool.query('SELECT state FROM trading_state')).rows[0].state).toBe('ACTIVE')
  })

  test('ops routes stay open for probes', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).json().components.securitySchemes.bearerAuth).toBeDefined()
  })
})

describe('GET /llm/admin/prompts and /llm/admin/shadow-report', () => {
  test('lists every prompt with its versions, hashes, active version and A/B arms', async () => {
    const res = await app.inject({ method: 'GET', url: '/llm/admin/prompts', headers: auth })
    expect(res.statusCode).toBe(200)
    const registry = loadPromptRegistry(PROMPTS_PATH)
    const byName = Object.fromEntries(res.json().prompts.map((p: { name: string }) => [p.name, p]))
    expect(Object.keys(byName).sort()).toEqual(registry.names().sort())
    expect(byName.rationale.arms).toEqual([
      { version: '1.0.0', weight: 90 },
      { version: '1.1.0', weight: 10 },
    ])
    expect(byName.policy.arms).toBeNull()
    expect(byName.policy.active).toBe(registry.active('policy').version)
    expect(byName.policy.versions[0]).toMatchObject({ version: '1.0.0', hash: registry.get('policy', '1.0.0').hash, active: true })
  })

  test('the shadow report answers with both buckets', async () => {
    const res = await app.inject({ method: 'GET', url: '/llm/admin/shadow-report?since=2020-01-01T00:00:00Z', headers: auth })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ would_allow: { orders: 0 }, would_deny: { orders: 0, by_reason: {} }, enforce_effect_pnl: 0 })
  })
})
