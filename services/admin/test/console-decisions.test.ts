import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { auth, buildTestApp } from './build-test-app'
import { login } from './console-helpers'
import { seedDecisions } from './console-seed'

const db = await testDatabase()
const { app } = buildTestApp(db, 'http://127.0.0.1:1/v1')
let ids: number[] = []
/** Bar number i (1-based) → forecast id. */
const idOf = (i: number): number => ids[i - 1]!

beforeAll(async () => {
  ids = await seedDecisions(db.pool, 60)
})
afterAll(async () => {
  await app.close()
})

interface Item {
  id: number
  symbol: string
  verdict: string | null
  mode: string | null
  proposed: { side: string; qty: number } | null
  reason_codes: string[]
  prompt_version: string | null
}
const list = async (query: string, headers: Record<string, string> = auth): Promise<{ items: Item[]; next_before: number | null }> => {
  const res = await app.inject({ method: 'GET', url: `/llm/admin/decisions${query}`, headers })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

describe('GET /llm/admin/decisions', () => {
  test('newest first, 50 by default, with proposed order, verdict, reason codes, mode and prompt version', async () => {
    const page = await list('')
    expect(page.items).toHaveLength(50)
    expect(page.items.map((i) => i.id)).toEqual([...ids].reverse().slice(0, 50))
    expect(page.next_before).toBe(page.items[49]!.id)
    const byId = new Map(page.items.map((i) => [i.id, i]))
    // Bar 60: no order (60 % 4 = 0), shadow mode (60 % 10 = 0).
    expect(byId.get(idOf(60))).toMatchObject({ symbol: 'SPX', proposed: null, verdict: 'no_order', mode: 'shadow', reason_codes: [] })
    // Bar 57: buy 2, enforce, 57 % 3 = 0 → denied by the LLM.
    expect(byId.get(idOf(57))).toMatchObject({ proposed: { side: 'buy', qty: 2 }, verdict: 'deny', mode: 'enforce', reason_codes: ['RISK_OK', 'LLM_DENY'] })
    // Bar 56: 56 % 5 = 1 → policy prompt 1.1.0.
    expect(byId.get(idOf(56))).toMatchObject({ prompt_version: '1.1.0' })
    expect(byId.get(idOf(55))).toMatchObject({
      proposed: { side: 'buy', qty: 7 },
      verdict: 'allow',
      reason_codes: ['RISK_OK', 'LLM_ALLOW'],
      prompt_version: '1.0.0',
    })
  })

  test('keyset pages: before=next_before continues without overlap until next_before is null', async () => {
    const seen: number[] = []
    let before: number | null = null
    let pages = 0
    do {
      const page = await list(`?limit=7${before === null ? '' : `&before=${before}`}`)
      seen.push(...page.items.map((i) => i.id))
      before = page.next_before
      pages++
    } while (before !== null && pages < 20)
    expect(seen).toEqual([...ids].reverse())
    expect(pages).toBe(Math.ceil(60 / 7))
  })

  test('filters: symbol, verdict, mode, and all three together', async () => {
    const aapl = await list('?symbol=AAPL&limit=200')
    expect(aapl.items.length).toBe(12)
    expect(new Set(aapl.items.map((i) => i.symbol))).toEqual(new Set(['AAPL']))
    const denied = await list('?verdict=deny&limit=200')
    // Enforce bars with an order and i % 3 = 0: i in 1..60, i % 4 ≠ 0, i % 10 ≠ 0, i % 3 = 0.
    const expected = Array.from({ length: 60 }, (_, k) => k + 1).filter((i) => i % 4 !== 0 && i % 10 !== 0 && i % 3 === 0)
    expect(denied.items.map((i) => i.id)).toEqual(expected.reverse().map(idOf))
    const shadow = await list('?mode=shadow&limit=200')
    expect(shadow.items.map((i) => i.id)).toEqual([60, 50, 40, 30, 20, 10].map(idOf))
    const combo = await list('?mode=shadow&verdict=allow&symbol=SPX')
    // Shadow bars with an order: 10, 30, 50 (20, 40, 60 have none); SPX is i % 5 = 0: all of them.
    expect(combo.items.map((i) => i.id)).toEqual([50, 30, 10].map(idOf))
    expect(combo.next_before).toBeNull()
  })

  test('the same list with the session cookie', async () => {
    const l = await login(app, (auth.authorization as string).replace('Bearer ', ''))
    const page = await list('?limit=3', { cookie: l.cookie })
    expect(page.items).toHaveLength(3)
  })

  test.each([
    ['?limit=0', 'query.limit'],
    ['?limit=201', 'query.limit'],
    ['?limit=abc', 'query.limit'],
    ['?before=-1', 'query.before'],
    ['?before=1.5', 'query.before'],
    ['?verdict=maybe', 'query.verdict'],
    ['?mode=yolo', 'query.mode'],
    ['?symbol=%27%3B%20DROP', 'query.symbol'],
    ['?sort=id', 'query'],
  ])('bad query %s → 400 naming %s', async (query, field) => {
    const res = await app.inject({ method: 'GET', url: `/llm/admin/decisions${query}`, headers: auth })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toContain(field)
  })
})

describe('GET /llm/admin/decisions/:id', () => {
  test("one decision: rationale, the policy's answer, raw text, prompt version and hash, inputs and order", async () => {
    const res = await app.inject({ method: 'GET', url: `/llm/admin/decisions/${idOf(57)}`, headers: auth })
    expect(res.statusCode).toBe(200)
    const d = res.json()
    expect(d).toMatchObject({
      id: idOf(57),
      symbol: 'MSFT',
      verdict: 'deny',
      mode: 'enforce',
      reason_codes: ['RISK_OK', 'LLM_DENY'],
      rationale: 'Bar 57: mild momentum in MSFT.',
      rationale_detail: { drivers: ['5-bar return +1.00 %'], confidence: 0.6, prompt: { name: 'rationale', version: '1.0.0' } },
      policy: { decision: 'deny', size_factor: 1, reason: 'seeded deny', effective: 'deny', fail_reason: 'llm_denied', mode: 'enforce' },
      raw: '{"decision":"deny","size_factor":1,"reason":"seeded deny","risk_flags":[]}',
      prompt: { name: 'policy', version: '1.0.0', hash: 'hash-policy-1.0.0' },
      inputs: { symbol: 'MSFT', order: { side: 'buy', qty: 2 } },
      orders: [{ side: 'buy', qty: 2, status: 'denied', mode: 'enforce', gate: { effective: 'deny', reason_code: 'LLM_DENY' } }],
    })
    expect(typeof d.mu).toBe('number')
    expect(typeof d.sigma).toBe('number')
  })

  test('a forecast without features.llm answers with nulls, not an error', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features)
       VALUES ('OLD', '2019-01-01', 1, 'ewma-rm-1', 0, 0.01, 0.5, -0.01, 0.01, '{}') RETURNING id`,
    )
    const res = await app.inject({ method: 'GET', url: `/llm/admin/decisions/${rows[0]!.id}`, headers: auth })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ verdict: null, rationale: null, policy: null, raw: null, prompt: null, inputs: null, orders: [] })
    await db.pool.query('DELETE FROM forecasts WHERE id = $1', [rows[0]!.id])
  })

  test('unknown id → 404; a non-numeric id → 400 naming params.id', async () => {
    const missing = await app.inject({ method: 'GET', url: '/llm/admin/decisions/999999999', headers: auth })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().message).toContain('999999999')
    const bad = await app.inject({ method: 'GET', url: '/llm/admin/decisions/abc', headers: auth })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toContain('params.id')
  })
})
