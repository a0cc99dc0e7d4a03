import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@pulsetrade/db/testing'
import { runPrefix } from '../../../test/db'
import { as, auth, buildTestApp } from './build-test-app'

// A database per test: panic exits and resumes change trading_state, so no test starts from another's.
let db: TestDatabase
const apps: Array<{ close: () => Promise<unknown> }> = []
beforeEach(async () => {
  db = await createTestDatabase(inject('pgAdminUrl'), inject('pgTemplate'), runPrefix())
})
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
  await db.drop()
})
function app(env: Record<string, string> = {}) {
  // The strategist routes never call the LLM; nothing needs to listen there.
  const built = buildTestApp(db, 'http://127.0.0.1:1/v1', env)
  apps.push(built.app)
  return built.app
}

async function openPositions(symbols: string[]): Promise<void> {
  for (const s of symbols) {
    await db.pool.query("INSERT INTO market_bars (symbol, ts, open, high, low, close) VALUES ($1, now() - interval '1 hour', 100, 101, 99, 100)", [s])
    await db.pool.query('INSERT INTO positions (symbol, qty, avg_price) VALUES ($1, 10, 100)', [s])
  }
}

describe('strategist routes', () => {
  test('panic exit answers 404 unless ENABLE_PANIC_EXIT=1, and 401 without the token', async () => {
    const disabled = app()
    const res = await disabled.inject({ method: 'POST', url: '/strategist/panic-exit', headers: auth, payload: { reason: 'drill' } })
    expect(res.statusCode).toBe(404)
    expect(res.json().message).toContain('ENABLE_PANIC_EXIT=1')
    const enabled = app({ ENABLE_PANIC_EXIT: '1' })
    const anonymous = await enabled.inject({ method: 'POST', url: '/strategist/panic-exit', payload: { reason: 'drill' } })
    expect(anonymous.statusCode).toBe(401)
    expect((await db.pool.query('SELECT state FROM trading_state')).rows[0].state).toBe('ACTIVE')
  })

  test('panic exit halts at once (202), repeats give the same exit_id, resume re-arms; all audited', async () => {
    await openPositions(['SPX', 'AAPL', 'MSFT'])
    const a = app({ ENABLE_PANIC_EXIT: '1', RISK_SYMBOL_ALLOWLIST: 'SPX,AAPL,MSFT' })
    const panic = () => a.inject({ method: 'POST', url: '/strategist/panic-exit', headers: as('ops.bob'), payload: { reason: 'market halt drill' } })
    const [first, second] = await Promise.all([panic(), panic()])
    expect(first.statusCode).toBe(202)
    expect(first.json()).toMatchObject({ state: 'HALTED' })
    expect(second.json().exit_id).toBe(first.json().exit_id)

    const deadline = Date.now() + 5000
    let state = (await a.inject({ method: 'GET', url: '/strategist/state', headers: auth })).json()
    while (state.exit?.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
      state = (await a.inject({ method: 'GET', url: '/strategist/state', headers: auth })).json()
    }
    expect(state).toMatchObject({ state: 'HALTED', exit_id: first.json().exit_id, exit: { status: 'done', requested_by: 'ops.bob' } })
    const flat = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM positions WHERE qty <> 0')).rows[0]!.n
    expect(flat).toBe(0)

    const resumed = await a.inject({ method: 'POST', url: '/strategist/resume', headers: as('ops.bob'), payload: { reason: 'drill over' } })
    expect(resumed.statusCode).toBe(200)
    expect(resumed.json()).toMatchObject({ state: 'ACTIVE', changed_by: 'ops.bob', reason: 'drill over' })

    const actions = (await db.pool.query<{ action: string }>("SELECT action FROM audit_log WHERE actor = 'ops.bob' ORDER BY id")).rows.map((r) => r.action)
    expect(actions.filter((x) => x === 'strategist.panic_exit')).toHaveLength(2)
    expect(actions).toContain('strategist.resume')
    expect(actions).toContain('trading.panic_exit')
  })

  test('a resume that cannot get the trading_state lock in time answers 503 with Retry-After and changes nothing', async () => {
    const a = app({ ENABLE_PANIC_EXIT: '1', STRATEGIST_LOCK_TIMEOUT_MS: '300' })
    const before = (await db.pool.query('SELECT state, exit_id FROM trading_state')).rows[0]
    // Only this test's audit rows: the panic-exit test acts as ops.busy too (any order).
    const since = (await db.pool.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM audit_log')).rows[0]!.id
    const holder = await db.pool.connect()
    try {
      await holder.query('BEGIN')
      await holder.query('SELECT state FROM trading_state WHERE id FOR SHARE') // an order placement that does not finish
      const resumed = await a.inject({ method: 'POST', url: '/strategist/resume', headers: as('ops.busy'), payload: { reason: 'locked drill' } })
      expect(resumed.statusCode).toBe(503)
      expect(Number(resumed.headers['retry-after'])).toBeGreaterThan(0)
      expect(resumed.json()).toMatchObject({ code: 'TRADING_ERR_BUSY' })
    } finally {
      await holder.query('ROLLBACK')
      holder.release()
    }
    expect((await db.pool.query('SELECT state, exit_id FROM trading_state')).rows[0]).toEqual(before)
    const audit = (
      await db.pool.query("SELECT action, (details->>'status')::int AS status FROM audit_log WHERE actor = 'ops.busy' AND id > $1 ORDER BY action", [since])
    ).rows
    expect(audit).toEqual([{ action: 'strategist.resume', status: 503 }])
  })

  test('a panic exit does not wait for a session that holds trading_state FOR SHARE: it ends that session and halts within 1 s (issue 15)', async () => {
    const a = app({ ENABLE_PANIC_EXIT: '1', STRATEGIST_LOCK_TIMEOUT_MS: '5000' })
    const holder = await db.pool.connect()
    let lost: unknown = null
    try {
      await holder.query('BEGIN')
      await holder.query('SELECT state FROM trading_state WHERE id FOR SHARE') // an order placement stuck after its insert
      const t0 = performance.now()
      const panic = await a.inject({ method: 'POST', url: '/strategist/panic-exit', headers: as('ops.busy'), payload: { reason: 'locked drill' } })
      expect(performance.now() - t0).toBeLessThan(1000)
      expect(panic.statusCode).toBe(202)
      expect(panic.json()).toMatchObject({ state: 'HALTED', created: true })
      await holder.query('ROLLBACK').catch((err: unknown) => {
        lost = err
      })
      expect(lost).not.toBeNull() // its session was ended
    } finally {
      holder.release((lost as Error | null) ?? undefined)
    }
    expect((await db.pool.query('SELECT state FROM trading_state')).rows[0].state).toBe('HALTED')
  })

  test('resume needs a reason naming the field', async () => {
    const res = await app().inject({ method: 'POST', url: '/strategist/resume', headers: auth, payload: {} })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toBe('body.reason: required, expected string')
  })
})
