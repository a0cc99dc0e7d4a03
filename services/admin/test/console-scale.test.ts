import { afterAll, beforeAll, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { auth, buildTestApp } from './build-test-app'
import { seedDecisions } from './console-seed'

/**
 * The console's paginated reads with 100,000 forecasts (issue 18: "fast with 100k forecasts"):
 * each one's plan is an index scan that stops after its page (no sequential scan of forecasts,
 * orders or audit_log), and its execution time is printed (EXPLAIN ANALYZE) for docs/console.md.
 */
const N = 100_000
/** Rows a page's plan may read and drop (filters not covered by its index). */
const MAX_FILTERED = 5_000
const db = await testDatabase()
const { app } = buildTestApp(db, 'http://127.0.0.1:1/v1')
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(2, '0')}`)
let ids: number[] = []

beforeAll(async () => {
  const t0 = performance.now()
  ids = await seedDecisions(db.pool, N, { symbols: SYMBOLS })
  await db.pool.query(
    `INSERT INTO audit_log (actor, action, reason, details, created_at)
     SELECT 'admin', CASE WHEN i % 100 = 0 THEN 'strategist.resume' ELSE 'llm.replay' END, 'r', '{}', now() - i * interval '1 second'
       FROM generate_series(1, ${N}) i`,
  )
  await db.pool.query('ANALYZE forecasts; ANALYZE orders; ANALYZE audit_log')
  console.log(`console scale: seeded ${N} forecasts (+ orders, + ${N} audit rows) in ${Math.round(performance.now() - t0)} ms`)
}, 120_000)
afterAll(async () => {
  await app.close()
})

interface Plan {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Rows Removed by Filter'?: number
  Plans?: Plan[]
}
const nodes = (p: Plan): Plan[] => [p, ...(p.Plans ?? []).flatMap(nodes)]

/** Runs `url` once through the app (its SQL is what the route sends) and EXPLAIN ANALYZE on `sql`. */
async function measure(name: string, url: string, sql: string, params: unknown[]): Promise<void> {
  const t0 = performance.now()
  const res = await app.inject({ method: 'GET', url, headers: auth })
  const routeMs = performance.now() - t0
  expect(res.statusCode, res.body).toBe(200)
  const { rows } = await db.pool.query<{ 'QUERY PLAN': Array<{ Plan: Plan; 'Execution Time': number }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params)
  const plan = rows[0]!['QUERY PLAN']
  const seq = nodes(plan[0]!.Plan).filter((n) => n['Node Type'] === 'Seq Scan' && ['forecasts', 'orders', 'audit_log'].includes(n['Relation Name'] ?? ''))
  const all = nodes(plan[0]!.Plan)
  const removed = all.reduce((s, n) => s + (n['Rows Removed by Filter'] ?? 0), 0)
  const indexes = [...new Set(all.map((n) => n['Index Name']).filter((x) => x !== undefined))].join(', ')
  console.log(
    `console scale: ${name}: SQL ${plan[0]!['Execution Time'].toFixed(2)} ms, route ${routeMs.toFixed(1)} ms, rows filtered out ${removed}, indexes ${indexes}`,
  )
  expect(
    seq.map((n) => n['Relation Name']),
    name,
  ).toEqual([])
  // A page reads about its own rows: a filter without its index would read and drop tens of thousands.
  expect(removed, name).toBeLessThan(MAX_FILTERED)
}

const LIST = (where: string, limit = 50): string =>
  `SELECT f.id, f.symbol, f.asof, f.p_up, f.features->'llm'->'inputs'->'order' AS proposed,
          f.features->'llm'->'policy'->>'effective' AS verdict, f.features->'llm'->'policy'->>'mode' AS mode,
          f.features->'llm'->'policy'->>'version' AS prompt_version, o.gate->'steps' AS steps
     FROM (SELECT f.* FROM forecasts f ${where} ORDER BY f.id DESC LIMIT ${limit}) f
     LEFT JOIN orders o ON o.forecast_id = f.id ORDER BY f.id DESC`

test('decisions: first page, a deep page, and each filter', async () => {
  const mid = ids[N / 2]!
  await measure('decisions first page', '/llm/admin/decisions', LIST(''), [])
  await measure('decisions page at 50,000', `/llm/admin/decisions?before=${mid}`, LIST('WHERE f.id < $1'), [mid])
  await measure('decisions symbol=S07', '/llm/admin/decisions?symbol=S07', LIST('WHERE f.symbol = $1'), ['S07'])
  await measure('decisions verdict=pending (0.1 %)', '/llm/admin/decisions?verdict=pending', LIST("WHERE f.features->'llm'->'policy'->>'effective' = $1"), [
    'pending',
  ])
  await measure('decisions mode=shadow', '/llm/admin/decisions?mode=shadow', LIST("WHERE f.features->'llm'->'policy'->>'mode' = $1"), ['shadow'])
  await measure(
    'decisions symbol+verdict+mode',
    '/llm/admin/decisions?symbol=S10&verdict=allow&mode=shadow',
    LIST("WHERE f.symbol = $1 AND f.features->'llm'->'policy'->>'effective' = $2 AND f.features->'llm'->'policy'->>'mode' = $3"),
    ['S10', 'allow', 'shadow'],
  )
  await measure(
    'decision detail',
    `/llm/admin/decisions/${mid}`,
    "SELECT id, symbol, asof, p_up, mu, sigma, features->'llm' AS llm FROM forecasts WHERE id = $1",
    [mid],
  )
})

test('audit: first page and one rare action', async () => {
  await measure('audit first page', '/llm/admin/audit', 'SELECT * FROM audit_log ORDER BY id DESC LIMIT 50', [])
  await measure(
    'audit action=strategist.resume (1 %)',
    '/llm/admin/audit?action=strategist.resume',
    'SELECT * FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 50',
    ['strategist.resume'],
  )
})

test('outcomes: a week of hours out of 100,000 hours of orders', async () => {
  const since = new Date(Date.UTC(2024, 0, 1) + 50_000 * 3_600_000)
  const until = new Date(since.getTime() + 7 * 86_400_000)
  await measure(
    'outcomes 1 week by hour',
    `/llm/admin/outcomes?bucket=hour&since=${since.toISOString()}&until=${until.toISOString()}`,
    `SELECT date_trunc('hour', o.created_at, 'UTC') AS t, count(*) FROM orders o JOIN forecasts f ON f.id = o.forecast_id
      WHERE o.created_at >= $1 AND o.created_at < $2 GROUP BY 1`,
    [since, until],
  )
})
