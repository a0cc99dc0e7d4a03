import { afterAll, beforeEach, describe, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { as, auth, buildTestApp, TOKEN } from './build-test-app'
import { isStateChanging, login, securedRoutes } from './console-helpers'

const db = await testDatabase()
// Nothing answers at this address: no route below needs Lexi to refuse or accept a session.
const LLM = 'http://127.0.0.1:1/v1'
const { app } = buildTestApp(db, LLM, { ENABLE_PANIC_EXIT: '1', ADMIN_AUTH_MAX_FAILURES: '1000' })
afterAll(async () => {
  await app.close()
})

const ALICE_TOKEN = as('ops.alice').authorization.replace('Bearer ', '')

async function auditRows(action: string): Promise<Array<{ actor: string; details: Record<string, unknown> }>> {
  return (await db.pool.query('SELECT actor, details FROM audit_log WHERE action = $1 ORDER BY id', [action])).rows
}

async function tradingState(): Promise<{ state: string; changed_by: string }> {
  return (await db.pool.query('SELECT state, changed_by FROM trading_state')).rows[0]
}

beforeEach(async () => {
  // A panic exit of one test must not leave the next one HALTED.
  await db.pool.query("UPDATE trading_state SET state = 'ACTIVE', exit_id = NULL, reason = 'test', changed_by = 'test'")
})

describe('console session: login', () => {
  test('the cookie is HttpOnly, SameSite=Strict, Path=/, without Secure unless CONSOLE_COOKIE_SECURE=1', async () => {
    const l = await login(app, TOKEN)
    const flags = l.setCookie.split(';').map((s) => s.trim())
    expect(flags[0]).toMatch(/^pt_session=[A-Za-z0-9_-]{43}$/)
    expect(flags).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']))
    expect(flags).not.toContain('Secure')
    expect(l.actor).toBe('admin')

    const secure = buildTestApp(db, LLM, { CONSOLE_COOKIE_SECURE: '1' }).app
    try {
      const s = await login(secure, TOKEN)
      expect(s.setCookie.split(';').map((x) => x.trim())).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', 'Secure']))
    } finally {
      await secure.close()
    }
  })

  test('the session id is stored only as its sha256 digest; the login is audited with the actor, never the token', async () => {
    await db.pool.query('DELETE FROM audit_log')
    const l = await login(app, ALICE_TOKEN)
    expect(l.actor).toBe('ops.alice')
    const id = l.cookie.split('=')[1]!
    const stored = (await db.pool.query('SELECT id_digest, actor FROM console_sessions')).rows
    expect(stored.map((r) => r.id_digest)).not.toContain(id)
    expect(stored).toContainEqual({ id_digest: (await import('node:crypto')).createHash('sha256').update(id).digest('hex'), actor: 'ops.alice' })
    const rows = await auditRows('console.login')
    expect(rows.map((r) => r.actor)).toEqual(['ops.alice'])
    const all = JSON.stringify((await db.pool.query('SELECT * FROM audit_log')).rows)
    expect(all).not.toContain(ALICE_TOKEN)
    expect(all).not.toContain(id)
  })

  test('a wrong token answers 401, is audited as auth.failed like a wrong bearer token, and sets no cookie', async () => {
    await db.pool.query('DELETE FROM audit_log')
    const res = await app.inject({ method: 'POST', url: '/console/session', payload: { token: 'wrong-token-wrong-token' } })
    expect(res.statusCode).toBe(401)
    expect(res.headers['set-cookie']).toBeUndefined()
    const rows = await auditRows('auth.failed')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      actor: 'anonymous',
      details: { failure: 'invalid', route: '/console/session', presented: expect.stringMatching(/^token:/) },
    })
    expect(JSON.stringify(rows)).not.toContain('wrong-token-wrong-token')
  })

  test('a body without a token is a 400 naming the field', async () => {
    const res = await app.inject({ method: 'POST', url: '/console/session', payload: {} })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toContain('body.token')
  })

  test('login failures share the per-address throttle of bearer failures: 429 once over the limit', async () => {
    const strict = buildTestApp(db, LLM, { ADMIN_AUTH_MAX_FAILURES: '3' }).app
    try {
      const codes: number[] = []
      for (let i = 0; i < 2; i++)
        codes.push((await strict.inject({ method: 'GET', url: '/strategist/state', headers: { authorization: 'Bearer nope-nope-nope-nope' } })).statusCode)
      codes.push((await strict.inject({ method: 'POST', url: '/console/session', payload: { token: 'nope-nope-nope-nope' } })).statusCode)
      codes.push((await strict.inject({ method: 'POST', url: '/console/session', payload: { token: TOKEN } })).statusCode)
      expect(codes).toEqual([401, 401, 401, 429])
    } finally {
      await strict.close()
    }
  })
})

describe('console session: every JSON route', async () => {
  const routes = await securedRoutes(app)

  test('the route list comes from the OpenAPI document and holds the console routes', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`)
    const consoleRoutes = [
      'GET /console/session',
      'DELETE /console/session',
      'GET /console/config',
      'GET /llm/admin/lexi',
      'GET /llm/admin/decisions',
      'GET /llm/admin/decisions/{id}',
      'GET /llm/admin/outcomes',
      'GET /llm/admin/arms',
      'GET /llm/admin/audit',
      'GET /strategist/positions',
    ]
    for (const r of consoleRoutes) {
      expect(names).toContain(r)
    }
  })

  test('the OpenAPI document offers the bearer token or the session cookie; the login needs neither', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { scheme: 'bearer' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'pt_session' },
    })
    expect(doc.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }])
    expect(doc.paths['/console/session'].post.security).toEqual([])
    expect(doc.paths['/llm/admin/decisions'].get.tags).toEqual(['console'])
  })

  test('no session and no bearer token: 401 on every route', async () => {
    const refused: string[] = []
    for (const r of routes) {
      const res = await app.inject({ method: r.method as 'GET', url: r.url, ...(isStateChanging(r.method) ? { payload: {} } : {}) })
      if (res.statusCode !== 401) refused.push(`${r.method} ${r.path} → ${res.statusCode}`)
    }
    expect(refused).toEqual([])
  })

  test('a made-up or malformed cookie: 401 on every route', async () => {
    for (const cookie of ['pt_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'pt_session=../../etc', 'pt_session=x']) {
      for (const r of routes) {
        const res = await app.inject({ method: r.method as 'GET', url: r.url, headers: { cookie } })
        expect(res.statusCode, `${r.method} ${r.path} with ${cookie}`).toBe(401)
      }
    }
  })

  test('with the cookie, every state-changing route answers 403 CSRF without the header and with a wrong one; nothing changes', async () => {
    const l = await login(app, TOKEN)
    await db.pool.query('DELETE FROM audit_log')
    const changing = routes.filter((r) => isStateChanging(r.method))
    expect(changing.length).toBeGreaterThanOrEqual(4)
    for (const r of changing) {
      for (const extra of [{}, { 'x-csrf-token': 'wrong' }, { 'x-csrf-token': `${l.csrf}x` }, { 'x-csrf-token': '' }]) {
        const res = await app.inject({
          method: r.method as 'POST',
          url: r.url,
          headers: { cookie: l.cookie, ...extra },
          payload: { reason: 'csrf test', id: 1 },
        })
        expect(res.statusCode, `${r.method} ${r.path} ${JSON.stringify(extra)}`).toBe(403)
        expect(res.json()).toMatchObject({ code: 'CSRF', message: expect.stringContaining('x-csrf-token') })
      }
    }
    expect(await tradingState()).toMatchObject({ state: 'ACTIVE' })
    // The session is still there: a refused CSRF check does not log out.
    expect((await app.inject({ method: 'GET', url: '/console/session', headers: { cookie: l.cookie } })).statusCode).toBe(200)
    const rows = await auditRows('auth.csrf_failed')
    expect(rows).toHaveLength(changing.length * 4)
    expect(new Set(rows.map((r) => r.actor))).toEqual(new Set(['admin']))
    // Only the refusals: no route action was recorded as if it had been attempted.
    expect((await db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action <> 'auth.csrf_failed'")).rows[0].n).toBe(0)
  })

  test('bearer requests need no CSRF token and keep working on the console routes', async () => {
    expect((await app.inject({ method: 'GET', url: '/llm/admin/decisions', headers: auth })).statusCode).toBe(200)
    const res = await app.inject({ method: 'POST', url: '/strategist/panic-exit', headers: auth, payload: { reason: 'bearer, no csrf' } })
    expect(res.statusCode).toBe(202)
  })

  test('a bearer header wins over a cookie: a wrong bearer is refused although the cookie is valid', async () => {
    const l = await login(app, TOKEN)
    const res = await app.inject({ method: 'GET', url: '/strategist/state', headers: { cookie: l.cookie, authorization: 'Bearer wrong-wrong-wrong-wrong' } })
    expect(res.statusCode).toBe(401)
  })
})

describe('console session: actions carry the session actor', () => {
  test('panic exit and resume with cookie + CSRF: audit rows and trading_state name the session actor', async () => {
    const l = await login(app, ALICE_TOKEN)
    await db.pool.query('DELETE FROM audit_log')
    const h = { cookie: l.cookie, 'x-csrf-token': l.csrf }
    const panic = await app.inject({ method: 'POST', url: '/strategist/panic-exit', headers: h, payload: { reason: 'console drill' } })
    expect(panic.statusCode).toBe(202)
    expect(await tradingState()).toMatchObject({ state: 'HALTED', changed_by: 'ops.alice' })
    let resume = await app.inject({ method: 'POST', url: '/strategist/resume', headers: h, payload: { reason: 'drill over' } })
    for (let i = 0; i < 50 && resume.statusCode === 409; i++) {
      await new Promise((r) => setTimeout(r, 50))
      resume = await app.inject({ method: 'POST', url: '/strategist/resume', headers: h, payload: { reason: 'drill over' } })
    }
    expect(resume.statusCode, resume.body).toBe(200)
    expect(await tradingState()).toMatchObject({ state: 'ACTIVE', changed_by: 'ops.alice' })
    expect((await auditRows('strategist.panic_exit')).map((r) => r.actor)).toContain('ops.alice')
    expect((await auditRows('strategist.resume')).map((r) => r.actor)).toContain('ops.alice')
  })

  test('reads polled with the cookie are not audited per request; the same read with the bearer token still is', async () => {
    const l = await login(app, TOKEN)
    await db.pool.query('DELETE FROM audit_log')
    for (let i = 0; i < 3; i++) {
      expect((await app.inject({ method: 'GET', url: '/strategist/state', headers: { cookie: l.cookie } })).statusCode).toBe(200)
    }
    expect(await auditRows('strategist.state')).toHaveLength(0)
    await app.inject({ method: 'GET', url: '/strategist/state', headers: auth })
    expect((await auditRows('strategist.state')).map((r) => r.actor)).toEqual(['admin'])
  })
})

describe('console session: end', () => {
  test('logout needs the CSRF token, answers 204, and the same cookie then gets 401 everywhere', async () => {
    const l = await login(app, TOKEN)
    expect((await app.inject({ method: 'DELETE', url: '/console/session', headers: { cookie: l.cookie } })).statusCode).toBe(403)
    await db.pool.query('DELETE FROM audit_log')
    const out = await app.inject({ method: 'DELETE', url: '/console/session', headers: { cookie: l.cookie, 'x-csrf-token': l.csrf } })
    expect(out.statusCode).toBe(204)
    expect(String(out.headers['set-cookie'])).toMatch(/pt_session=;.*Expires=Thu, 01 Jan 1970/)
    expect((await auditRows('console.logout')).map((r) => r.actor)).toEqual(['admin'])
    for (const url of ['/console/session', '/llm/admin/decisions', '/strategist/state', '/llm/admin/lexi']) {
      expect((await app.inject({ method: 'GET', url, headers: { cookie: l.cookie } })).statusCode, url).toBe(401)
    }
    const again = await app.inject({
      method: 'POST',
      url: '/strategist/panic-exit',
      headers: { cookie: l.cookie, 'x-csrf-token': l.csrf },
      payload: { reason: 'after logout' },
    })
    expect(again.statusCode).toBe(401)
    expect(await tradingState()).toMatchObject({ state: 'ACTIVE' })
  })

  test('an expired session gets 401; other sessions stay valid', async () => {
    const a = await login(app, TOKEN)
    const b = await login(app, TOKEN)
    const digest = (await import('node:crypto')).createHash('sha256').update(a.cookie.split('=')[1]!).digest('hex')
    await db.pool.query("UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE id_digest = $1", [digest])
    expect((await app.inject({ method: 'GET', url: '/console/session', headers: { cookie: a.cookie } })).statusCode).toBe(401)
    expect((await app.inject({ method: 'GET', url: '/llm/admin/decisions', headers: { cookie: a.cookie } })).statusCode).toBe(401)
    expect((await app.inject({ method: 'GET', url: '/console/session', headers: { cookie: b.cookie } })).statusCode).toBe(200)
  })

  test('refused stale cookies do not count toward the throttle: the operator can log in again', async () => {
    const strict = buildTestApp(db, LLM, { ADMIN_AUTH_MAX_FAILURES: '2' }).app
    try {
      const stale = 'pt_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
      for (let i = 0; i < 5; i++) expect((await strict.inject({ method: 'GET', url: '/llm/admin/lexi', headers: { cookie: stale } })).statusCode).toBe(401)
      await login(strict, TOKEN)
    } finally {
      await strict.close()
    }
  })

  test('a signed-out page asking GET /console/session with no credentials gets 401, is not audited and does not count toward the throttle', async () => {
    const strict = buildTestApp(db, LLM, { ADMIN_AUTH_MAX_FAILURES: '2' }).app
    try {
      const before = (await auditRows('auth.failed')).length
      for (let i = 0; i < 12; i++) {
        const res = await strict.inject({ method: 'GET', url: '/console/session' })
        expect(res.statusCode).toBe(401)
        expect(res.json().message).toMatch(/no console session/)
      }
      expect((await auditRows('auth.failed')).length).toBe(before)
      await login(strict, TOKEN)
      // Any other route without credentials still goes through the bearer check: audited and throttled.
      for (let i = 0; i < 3; i++) await strict.inject({ method: 'GET', url: '/llm/admin/lexi' })
      expect((await strict.inject({ method: 'GET', url: '/llm/admin/lexi' })).statusCode).toBe(429)
      expect((await auditRows('auth.failed')).length).toBeGreaterThan(before)
    } finally {
      await strict.close()
    }
  })

  test('GET /console/session answers the actor, CSRF token and end; a session of a token no longer configured is refused', async () => {
    const l = await login(app, ALICE_TOKEN)
    const res = await app.inject({ method: 'GET', url: '/console/session', headers: { cookie: l.cookie } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ actor: 'ops.alice', csrf: l.csrf })
    expect(Date.parse(res.json().expires_at)).toBeGreaterThan(Date.now() + 7 * 3_600_000)
    // The same database, an admin process whose ADMIN_TOKENS no longer holds alice's token.
    const rotated = buildTestApp(db, LLM, { ADMIN_TOKENS: 'ops.alice=a-new-token-for-alice-0123456789' }).app
    try {
      expect((await rotated.inject({ method: 'GET', url: '/console/session', headers: { cookie: l.cookie } })).statusCode).toBe(401)
    } finally {
      await rotated.close()
    }
  })
})
