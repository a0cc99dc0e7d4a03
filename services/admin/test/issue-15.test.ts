import { Writable } from 'node:stream'
import type { Logger } from 'pino'
import { afterAll, beforeEach, describe, expect, test } from 'vitest'
import { ConfigError, createLogger } from '@pulsetrade/config'
import { testDatabase } from '../../../test/db'
import { loadConfig } from '../src/config'
import { as, auth, buildTestApp, TOKEN } from './build-test-app'

// Issue 15, the smaller findings of the admin service: each test here failed before its fix.

const db = await testDatabase()
const apps: Array<{ close: () => Promise<unknown> }> = []
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()))
})
function app(env: Record<string, string> = {}, logger?: Logger) {
  const built = buildTestApp(db, 'http://127.0.0.1:1/v1', { ENABLE_PANIC_EXIT: '1', ...env }, undefined, logger ? { logger } : {})
  apps.push(built.app)
  return built.app
}
const audit = async (action: string) =>
  (await db.pool.query('SELECT actor, action, reason, details FROM audit_log WHERE action = $1 ORDER BY id', [action])).rows

beforeEach(async () => {
  await db.pool.query(`UPDATE trading_state SET state = 'ACTIVE', exit_id = NULL`)
  await db.pool.query('DELETE FROM orders; DELETE FROM positions; DELETE FROM panic_exits; DELETE FROM audit_log')
})

describe('audit rows', () => {
  test('a 20,000-deep JSON body still gets its audit row (it overflowed the stack before)', async () => {
    const deep = `{"reason":${'['.repeat(20_000)}${']'.repeat(20_000)}}`
    const res = await app().inject({
      method: 'POST',
      url: '/strategist/resume',
      headers: { ...as('ops.alice'), 'content-type': 'application/json' },
      payload: deep,
    })
    expect(res.statusCode).toBe(400)
    const rows = await audit('strategist.resume')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ actor: 'ops.alice', details: { status: 400 } })
    expect(JSON.stringify(rows[0].details.body)).toContain('depth > 4')
  })

  test('a body that does not parse still gets its audit row', async () => {
    const res = await app().inject({
      method: 'POST',
      url: '/strategist/panic-exit',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"reason": "half',
    })
    expect(res.statusCode).toBe(400)
    expect(await audit('strategist.panic_exit')).toMatchObject([{ actor: 'admin', details: { status: 400 } }])
  })

  test('the actor comes from the token; an X-Actor header changes nothing', async () => {
    await app().inject({ method: 'GET', url: '/strategist/state', headers: { ...as('ops.bob'), 'x-actor': 'ops.alice' } })
    await app().inject({ method: 'GET', url: '/strategist/state', headers: { ...auth, 'x-actor': 'ops.alice' } })
    expect((await audit('strategist.state')).map((r) => r.actor)).toEqual(['ops.bob', 'admin'])
  })

  test('a token in the query string is redacted from the log line and never stored', async () => {
    const lines: string[] = []
    const logger = createLogger(
      { LOG_LEVEL: 'info', LOG_PRETTY: false },
      'admin',
      new Writable({
        write(c: Buffer, _e, cb) {
          lines.push(c.toString())
          cb()
        },
      }),
    )
    const a = app({}, logger)
    const secret = 'query-secret-0123456789'
    const res = await a.inject({ method: 'GET', url: `/strategist/state?token=${secret}&access_token=${secret}`, headers: auth })
    expect(res.statusCode).toBe(200)
    const logged = lines.join('')
    expect(logged).toContain('"url":"/strategist/state?token=[redacted]&access_token=[redacted]"')
    expect(logged).not.toContain(secret)
    const rows = await audit('strategist.state')
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain(secret)
    expect(rows[0].details.query).toEqual({ token: '[redacted]', access_token: '[redacted]' })
  })
})

describe('failed authentications', () => {
  test('are audited and, over ADMIN_AUTH_MAX_FAILURES per address, throttled with 429 + Retry-After', async () => {
    const a = app({ ADMIN_AUTH_MAX_FAILURES: '3' })
    const wrong = { authorization: 'Bearer wrong-token-0123456789abc' }
    const codes: number[] = []
    for (let i = 0; i < 6; i++) codes.push((await a.inject({ method: 'GET', url: '/strategist/state', headers: wrong })).statusCode)
    expect(codes).toEqual([401, 401, 401, 429, 429, 429])
    const limited = await a.inject({ method: 'GET', url: '/strategist/state', headers: auth })
    expect(limited.statusCode).toBe(429) // the address is blocked for the window, right token or not
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    const failed = await audit('auth.failed')
    expect(failed).toHaveLength(3)
    expect(failed[0]).toMatchObject({
      actor: 'anonymous',
      details: { failure: 'invalid', route: '/strategist/state', status: 401, presented: expect.stringMatching(/^token:[0-9a-f]{12}$/) },
    })
    expect(JSON.stringify(failed)).not.toContain('wrong-token')
    expect(await audit('auth.throttled')).toHaveLength(1) // one row per window, not one per request
    expect(await audit('strategist.state')).toHaveLength(0)
  })
})

describe('resume', () => {
  test.each([
    ['zero-width spaces', 'a\u200b\u200b\u200b'],
    ['a BOM and joiners', '\ufeff\u200d\u200co'],
    ['two letters and spaces', 'o   k'.replace('k', '')],
  ])('a reason of %s is a 400 naming body.reason', async (_name, reason) => {
    const res = await app().inject({ method: 'POST', url: '/strategist/resume', headers: auth, payload: { reason } })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toContain('body.reason: must have at least 3 visible characters')
  })

  test('after an exit that did not finish: 409 listing the open positions, then 200 with acknowledge_open_positions', async () => {
    await db.pool.query("INSERT INTO positions (symbol, qty, avg_price) VALUES ('DIA', -20, 100)")
    await db.pool.query(`INSERT INTO panic_exits (exit_id, reason, requested_by, status, report) VALUES ('px_test', 'drill', 'admin', 'failed', '{}')`)
    await db.pool.query(`UPDATE trading_state SET state = 'HALTED', exit_id = 'px_test'`)
    const a = app()
    const refused = await a.inject({ method: 'POST', url: '/strategist/resume', headers: auth, payload: { reason: 'venue back' } })
    expect(refused.statusCode).toBe(409)
    expect(refused.json()).toMatchObject({
      code: 'TRADING_ERR_ACK_REQUIRED',
      exit_id: 'px_test',
      exit_status: 'failed',
      open_positions: [{ symbol: 'DIA', qty: -20 }],
    })
    expect(refused.json().message).toContain('acknowledge_open_positions')
    const ok = await a.inject({ method: 'POST', url: '/strategist/resume', headers: auth, payload: { reason: 'venue back', acknowledge_open_positions: true } })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ state: 'ACTIVE' })
  })
})

describe('request ids', () => {
  test('a caller id that is too long or not plain is replaced; a plain one is kept', async () => {
    const ids: string[] = []
    const a = app()
    a.addHook('onRequest', async (req) => {
      ids.push(req.id)
    })
    for (const id of ['x'.repeat(65), 'a b', 'id\u0000', '<script>', 'ok-id_1.2:3']) {
      await a.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': id } })
    }
    expect(ids.slice(0, 4).every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true)
    expect(ids[4]).toBe('ok-id_1.2:3')
  })

  test('generated ids are unique across restarts (two fresh apps do not both start at req-1)', async () => {
    const first: string[] = []
    for (const a of [app(), app()]) {
      a.addHook('onRequest', async (req) => {
        first.push(req.id)
      })
      await a.inject({ method: 'GET', url: '/healthz' })
    }
    expect(first[0]).not.toBe(first[1])
    expect(first[0]).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('start-up', () => {
  const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/x' }
  test.each([
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'abcdefgh ijklmnopqrs' }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'abcdefgh\tijklmnopqrs' }],
    ['ADMIN_TOKENS', { ADMIN_TOKEN: TOKEN, ADMIN_TOKENS: 'bob=abcdefgh ijklmnopqrs' }],
  ])('a token containing whitespace is refused (%s)', (name, env) => {
    let err: unknown
    try {
      loadConfig({ ...base, ...env })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).issues.map((i) => i.name)).toEqual([name])
    expect((err as Error).message).not.toContain('ijklmnopqrs')
  })

  test('the admin service binds to 127.0.0.1 unless HOST says otherwise', () => {
    expect(loadConfig({ ...base, ADMIN_TOKEN: TOKEN }).HOST).toBe('127.0.0.1')
    expect(loadConfig({ ...base, ADMIN_TOKEN: TOKEN, HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0')
  })
})
