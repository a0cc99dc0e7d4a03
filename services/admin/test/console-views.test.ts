import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { auth, buildTestApp } from './build-test-app'
import { seedDecisions } from './console-seed'

const db = await testDatabase()
const { app } = buildTestApp(db, 'http://127.0.0.1:1/v1', { LLM_AB_BUCKETS: 'rationale:1.0.0=90,1.1.0=10' })
let ids: number[] = []

beforeAll(async () => {
  ids = await seedDecisions(db.pool, 60)
})
afterAll(async () => {
  await app.close()
})

const get = async <T = Record<string, unknown>>(url: string): Promise<T> => {
  const res = await app.inject({ method: 'GET', url, headers: auth })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<T>()
}

describe('GET /llm/admin/outcomes', () => {
  test('per day: allowed, denied and would-deny orders with their realized P&L, as the seed rules give them', async () => {
    // The seed's rules (console-seed.ts), computed here independently of the route's SQL.
    type Cell = { n: number; pnl: number }
    const expected = new Map<string, { allowed: Cell; denied: Cell; would_deny: Cell }>()
    for (let i = 1; i <= 60; i++) {
      if (i % 4 === 0) continue
      const shadow = i % 10 === 0
      const llmDeny = i % 3 === 0
      const kind = shadow ? (llmDeny ? 'would_deny' : 'allowed') : llmDeny ? 'denied' : 'allowed'
      const day = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().slice(0, 10) + 'T00:00:00.000Z'
      const cell = expected.get(day) ?? { allowed: { n: 0, pnl: 0 }, denied: { n: 0, pnl: 0 }, would_deny: { n: 0, pnl: 0 } }
      const price = kind === 'denied' ? 100 : 100 + (ids[i - 1]! % 3)
      const rr = i % 2 === 0 ? ((i % 11) - 5) / 1000 : 0
      cell[kind].n++
      cell[kind].pnl += rr * (i % 2 === 1 ? 1 : -1) * ((i % 7) + 1) * price
      expected.set(day, cell)
    }
    const body = await get<{ bucket: string; series: Array<{ t: string } & Record<'allowed' | 'denied' | 'would_deny', Cell>> }>(
      '/llm/admin/outcomes?bucket=day&since=2024-01-01T00:00:00Z&until=2024-02-01T00:00:00Z',
    )
    expect(body.bucket).toBe('day')
    expect(body.series.map((p) => p.t)).toEqual([...expected.keys()])
    for (const p of body.series) {
      const e = expected.get(p.t)!
      for (const k of ['allowed', 'denied', 'would_deny'] as const) {
        expect(p[k].n, `${p.t} ${k}`).toBe(e[k].n)
        expect(p[k].pnl, `${p.t} ${k}`).toBeCloseTo(e[k].pnl, 9)
      }
    }
    expect(body.series.some((p) => p.would_deny.n > 0)).toBe(true)
  })

  test('per hour, only buckets from since to until; nothing when no order is that recent', async () => {
    const hours = await get<{ series: Array<{ t: string }> }>('/llm/admin/outcomes?bucket=hour&since=2024-01-03T00:00:00Z&until=2024-01-03T06:00:00Z')
    // Bars 48..53 fall in those six hours; 48 and 52 have no order.
    expect(hours.series.map((p) => p.t.slice(11, 13))).toEqual(['01', '02', '03', '05'])
    expect((await get<{ series: unknown[] }>('/llm/admin/outcomes')).series).toEqual([])
  })

  test.each([
    ['?bucket=week', 'query.bucket'],
    ['?since=yesterday', 'query.since'],
    ['?bucket=hour&since=2000-01-01T00:00:00Z', 'query.since'],
    ['?since=2024-01-02T00:00:00Z&until=2024-01-01T00:00:00Z', 'query.since'],
    ['?until=soon', 'query.until'],
  ])('%s → 400 naming %s', async (query, field) => {
    const res = await app.inject({ method: 'GET', url: `/llm/admin/outcomes${query}`, headers: auth })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toContain(field)
  })
})

describe('GET /llm/admin/arms', () => {
  test('split prompts list their arms with weight, stop, validity and latency; others their active version', async () => {
    await db.pool.query(
      `INSERT INTO llm_calls (prompt, version, latency_ms, ok) SELECT 'rationale', '1.1.0', i * 10, true FROM generate_series(1, 11) i;
       INSERT INTO llm_calls (prompt, version, latency_ms, ok, created_at) VALUES ('rationale', '1.1.0', 5000, true, now() - interval '2 hours');
       INSERT INTO llm_arm_stats (prompt, version, n, failed) VALUES ('rationale', '1.1.0', 10, 2), ('rationale', '1.0.0', 40, 0);
       INSERT INTO llm_arm_stops (prompt, version, metric, evidence) VALUES ('rationale', '1.1.0', 'failed', '{}')`,
    )
    const { window_s, arms } = await get<{ window_s: number; arms: Array<Record<string, unknown>> }>('/llm/admin/arms')
    expect(window_s).toBe(3600)
    const rationale = arms.filter((a) => a.prompt === 'rationale')
    expect(rationale).toEqual([
      { prompt: 'rationale', version: '1.0.0', weight: 90, active: true, stopped: false, calls: 0, valid_rate: 1, p50_ms: null, p95_ms: null },
      { prompt: 'rationale', version: '1.1.0', weight: 10, active: false, stopped: true, calls: 11, valid_rate: 0.8, p50_ms: 60, p95_ms: 105 },
    ])
    expect(arms.filter((a) => a.prompt === 'policy')).toEqual([
      expect.objectContaining({ version: expect.any(String), weight: 100, active: true, stopped: false, valid_rate: null }),
    ])
  })
})

describe('GET /strategist/positions, /console/config, /llm/admin/audit', () => {
  test('positions: the non-zero ones, by symbol', async () => {
    await db.pool.query(`INSERT INTO positions (symbol, qty, avg_price, realized_pnl) VALUES ('MSFT', 3, 410.5, 12), ('AAPL', -2, 190, 0), ('FLAT', 0, 0, 5)`)
    const { positions } = await get<{ positions: unknown[] }>('/strategist/positions')
    expect(positions).toEqual([
      { symbol: 'AAPL', qty: -2, avg_price: 190, realized_pnl: 0, updated_at: expect.any(String) },
      { symbol: 'MSFT', qty: 3, avg_price: 410.5, realized_pnl: 12, updated_at: expect.any(String) },
    ])
  })

  test('config: panic exit hidden with its reason unless ENABLE_PANIC_EXIT=1; polling periods', async () => {
    expect(await get('/console/config')).toEqual({
      panic_exit: { enabled: false, reason: expect.stringContaining('ENABLE_PANIC_EXIT') },
      poll_ms: { lexi: 2000, decisions: 5000 },
    })
    const enabled = buildTestApp(db, 'http://127.0.0.1:1/v1', { ENABLE_PANIC_EXIT: '1' }).app
    try {
      expect((await enabled.inject({ method: 'GET', url: '/console/config', headers: auth })).json().panic_exit).toEqual({ enabled: true, reason: null })
    } finally {
      await enabled.close()
    }
  })

  test('audit: newest first, keyset pages, one action; polled reads leave no rows', async () => {
    await db.pool.query('DELETE FROM audit_log')
    await db.pool.query(
      `INSERT INTO audit_log (actor, action, reason, details)
       SELECT CASE WHEN i % 2 = 0 THEN 'ops.alice' ELSE 'admin' END, CASE WHEN i % 3 = 0 THEN 'strategist.resume' ELSE 'llm.replay' END, 'r' || i, jsonb_build_object('i', i)
         FROM generate_series(1, 25) i`,
    )
    const first = await get<{ items: Array<{ id: number; details: { i: number }; action: string }>; next_before: number }>('/llm/admin/audit?limit=10')
    expect(first.items.map((r) => r.details.i)).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16])
    const second = await get<{ items: Array<{ details: { i: number } }>; next_before: number | null }>(`/llm/admin/audit?limit=10&before=${first.next_before}`)
    expect(second.items.map((r) => r.details.i)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6])
    const resumes = await get<{ items: Array<{ action: string; actor: string; reason: string }>; next_before: number | null }>(
      '/llm/admin/audit?action=strategist.resume',
    )
    expect(resumes.items.map((r) => r.reason)).toEqual(['r24', 'r21', 'r18', 'r15', 'r12', 'r9', 'r6', 'r3'])
    expect(resumes.next_before).toBeNull()
    // The reads above (bearer, no audit action on these routes) wrote nothing.
    expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(25)
  })

  test.each([
    ['?limit=500', 'query.limit'],
    ['?action=DROP%20TABLE', 'query.action'],
    ['?before=x', 'query.before'],
  ])('audit %s → 400 naming %s', async (query, field) => {
    const res = await app.inject({ method: 'GET', url: `/llm/admin/audit${query}`, headers: auth })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toContain(field)
  })
})
