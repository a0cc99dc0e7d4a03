import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { Broker } from '@pulsetrade/trading'
import { testDatabase } from '../../../test/db'
import { as, auth, buildTestApp } from './build-test-app'

// A burst of strategist calls on the admin pool (10 connections, as in server.ts): every answer is
// deliberate, one exit runs to the end, and every request leaves its audit row.
const db = await testDatabase()
const SYMBOLS = ['SPX', 'AAPL', 'MSFT', 'NVDA', 'AMZN', 'META']
const env = { ENABLE_PANIC_EXIT: '1', RISK_SYMBOL_ALLOWLIST: SYMBOLS.join(',') }
const BURST = 64

interface Answer {
  i: number
  kind: 'panic-exit' | 'resume'
  status: number
  retryAfter: string | null
  body: Record<string, unknown>
  ms: number
}

let app: FastifyInstance | null = null
const errors: Array<Record<string, unknown>> = []
const logger = pino(
  { level: 'warn' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      const line = JSON.parse(chunk.toString())
      if (line.level >= 50) errors.push(line)
      cb()
    },
  }),
)

beforeEach(async () => {
  errors.length = 0
  await db.pool.query(`UPDATE trading_state SET state = 'ACTIVE', exit_id = NULL, reason = 'test reset', changed_by = 'test'`)
  await db.pool.query('DELETE FROM orders; DELETE FROM positions; DELETE FROM panic_exits; DELETE FROM audit_log; DELETE FROM market_bars')
  for (const s of SYMBOLS) {
    await db.pool.query("INSERT INTO market_bars (symbol, ts, open, high, low, close) VALUES ($1, now() - interval '1 hour', 100, 101, 99, 100)", [s])
    await db.pool.query('INSERT INTO positions (symbol, qty, avg_price) VALUES ($1, 10, 100)', [s])
  }
})
afterEach(async () => {
  await app?.close()
  app = null
})

/** Kinds in a fixed shuffled order (same every run): half panic exits, half resumes. */
function mixedKinds(n: number): Array<Answer['kind']> {
  const kinds = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? ('panic-exit' as const) : ('resume' as const)))
  let seed = 20241126
  for (let i = kinds.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    const j = seed % (i + 1)
    ;[kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!]
  }
  return kinds
}

/** Every request at once over real sockets; each carries its own actor, so its audit row can be found. */
async function burst(a: FastifyInstance, kinds: Array<Answer['kind']>): Promise<{ answers: Answer[]; ms: number }> {
  await a.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`
  const t0 = performance.now()
  const answers = await Promise.all(
    kinds.map(async (kind, i): Promise<Answer> => {
      const t = performance.now()
      const res = await fetch(`${base}/strategist/${kind}`, {
        method: 'POST',
        headers: { ...as(`burst-${i}`), 'content-type': 'application/json' },
        body: JSON.stringify({ reason: `burst call ${i}` }),
      })
      return {
        i,
        kind,
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        body: (await res.json()) as Record<string, unknown>,
        ms: performance.now() - t,
      }
    }),
  )
  return { answers, ms: performance.now() - t0 }
}

interface StateView {
  state: string
  exit_id: string | null
  exit: { status: string } | null
}

/** GET /strategist/state once the exit has stopped running. */
async function settledState(a: FastifyInstance): Promise<StateView> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const s = (await a.inject({ method: 'GET', url: '/strategist/state', headers: auth })).json<StateView>()
    if (s.exit?.status !== 'running' || Date.now() > deadline) return s
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function expectAuditPerRequest(answers: Answer[]): Promise<void> {
  const { rows } = await db.pool.query<{ actor: string; action: string; status: number }>(
    "SELECT actor, action, (details->>'status')::int AS status FROM audit_log WHERE action LIKE 'strategist.%' AND actor LIKE 'burst-%' ORDER BY actor",
  )
  const expected = answers.map((a) => ({
    actor: `burst-${a.i}`,
    action: a.kind === 'resume' ? 'strategist.resume' : 'strategist.panic_exit',
    status: a.status,
  }))
  expect(rows.sort((x, y) => x.actor.localeCompare(y.actor))).toEqual(expected.sort((x, y) => x.actor.localeCompare(y.actor)))
}

/** Deliberate statuses only, fast: before the fix, starved requests waited out the pool's 10 s connection timeout. */
function expectClearAnswers(answers: Answer[]): void {
  expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(8000)
  for (const a of answers) {
    expect([200, 202, 409, 503], JSON.stringify(a)).toContain(a.status)
    if (a.status === 503) expect(Number(a.retryAfter), JSON.stringify(a)).toBeGreaterThan(0)
    if (a.status === 409) expect(a.body, JSON.stringify(a)).toMatchObject({ code: 'TRADING_ERR_PANIC_RUNNING', message: expect.stringContaining('px_') })
  }
}

/** The burst's figures, one line on stdout: answers by route and status, wall time, slowest answer. */
function report(label: string, answers: Answer[], ms: number): void {
  const tally: Record<string, number> = {}
  for (const a of answers) tally[`${a.kind} ${a.status}`] = (tally[`${a.kind} ${a.status}`] ?? 0) + 1
  const slowest = Math.max(...answers.map((a) => a.ms))
  process.stdout.write(`strategist burst (${label}): ${JSON.stringify(tally)} in ${Math.round(ms)} ms, slowest answer ${Math.round(slowest)} ms\n`)
}

describe('a burst of concurrent panic-exit and resume calls', () => {
  test(`${BURST} mixed calls while the exit is held: no 5xx, one exit, flat and HALTED, an audit row per request`, { timeout: 60_000 }, async () => {
    let release!: () => void
    const held = new Promise<void>((r) => {
      release = r
    })
    // The exit's flatten waits until every call has been answered, so no resume can re-arm mid-burst.
    const hold = (paper: Broker): Broker => ({
      ...paper,
      positions: async (tx) => {
        await held
        return paper.positions(tx)
      },
    })
    app = buildTestApp(db, 'http://127.0.0.1:1/v1', env, undefined, { wrapBroker: hold, logger }).app
    const { answers, ms } = await burst(app, mixedKinds(BURST))
    release()
    report('held exit', answers, ms)

    expectClearAnswers(answers)
    const panics = answers.filter((a) => a.kind === 'panic-exit' && a.status === 202)
    expect(panics.length).toBeGreaterThan(0)
    expect(panics.filter((a) => a.body.created === true)).toHaveLength(1)
    const exitId = panics[0]!.body.exit_id
    for (const p of panics) expect(p.body).toMatchObject({ exit_id: exitId, state: 'HALTED' })
    // A resume answered 200 only before the exit began (ACTIVE then); afterwards it is refused.
    for (const r of answers.filter((a) => a.kind === 'resume' && a.status === 200)) expect(r.body).toMatchObject({ state: 'ACTIVE' })

    const state = await settledState(app)
    expect(state).toMatchObject({ state: 'HALTED', exit_id: exitId, exit: { status: 'done' } })
    expect((await db.pool.query('SELECT count(*)::int AS n FROM panic_exits')).rows[0].n).toBe(1)
    expect((await db.pool.query('SELECT count(*)::int AS n FROM positions WHERE qty <> 0')).rows[0].n).toBe(0)
    await expectAuditPerRequest(answers)
    expect((await db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'trading.panic_exit'")).rows[0].n).toBe(1)
    expect((await db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'trading.resume'")).rows[0].n).toBe(
      answers.filter((a) => a.kind === 'resume' && a.status === 200).length,
    )
    expect(errors).toEqual([])
  })

  test(`${BURST} mixed calls with the exit running free: no 5xx, every exit done, state and audit consistent`, { timeout: 60_000 }, async () => {
    app = buildTestApp(db, 'http://127.0.0.1:1/v1', env, undefined, { logger }).app
    const { answers, ms } = await burst(app, mixedKinds(BURST))
    const state = await settledState(app)
    const exits = (await db.pool.query<{ exit_id: string; status: string; report: unknown }>('SELECT exit_id, status, report FROM panic_exits')).rows
    report(`free exit, ${exits.length} exits`, answers, ms)

    expectClearAnswers(answers)
    // Resumes between exits re-arm, so later panics start new exits: each ran to the end, none lost.
    const created = answers.filter((a) => a.kind === 'panic-exit' && a.body.created === true)
    expect(exits.map((e) => e.exit_id).sort()).toEqual(created.map((a) => a.body.exit_id).sort())
    for (const e of exits) expect(e.status, JSON.stringify(e.report)).toBe('done')
    if (state.state === 'HALTED') expect(exits.map((e) => e.exit_id)).toContain(state.exit_id)
    expect((await db.pool.query('SELECT count(*)::int AS n FROM positions WHERE qty <> 0')).rows[0].n).toBe(0)
    await expectAuditPerRequest(answers)
    expect((await db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'trading.panic_exit'")).rows[0].n).toBe(created.length)
    expect((await db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'trading.resume'")).rows[0].n).toBe(
      answers.filter((a) => a.kind === 'resume' && a.status === 200).length,
    )
    expect(errors).toEqual([])
  })
})
