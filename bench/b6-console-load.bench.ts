/**
 * B6 console first view: the operator console's Decisions view opened in Debian's Chromium with
 * 100,000 forecasts (each with an order) in the table. Measured in the page: from the start of the
 * navigation (performance.timeOrigin) to the first page of the decisions table rendered (50 rows),
 * each round in a fresh browser profile (cold cache) that holds only the session cookie. The
 * baseline of the same run is the bare static page: the same navigation without a session, up to
 * the login form (HTML, CSS, the ES modules and one 401 from GET /console/session).
 * ratio = first view p50 / 1000 ms (target <= 1: the "first view ≤ 1 s").
 *
 *   node --import tsx bench/b6-console-load.bench.ts [--forecasts 100000] [--rounds 10]
 *
 * Postgres: a scratch database on DATABASE_URL's server, else on the embedded Postgres; dropped at
 * the end. Needs /usr/bin/chromium (apt-get install chromium); without it the bench says so and
 * exits 0 without a figure. Last line: `b6-console-load ratio=X`.
 */
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { chromium } from 'playwright-core'
import { buildApp } from '@pulsetrade/admin/app'
import { loadConfig } from '@pulsetrade/admin/config'
import { startLexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, loadPromptRegistry } from '@pulsetrade/llm'
import { createPaperBroker } from '@pulsetrade/trading'
import { reportBench, round } from './kit/bench-report'
import { machineInfo } from './kit/machine'
import { sampleFeatures } from './kit/sample-forecast-rows'
import { createScratchDatabase } from './kit/scratch-database'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
const PROMPTS = fileURLToPath(new URL('../configs/llm_prompts.yaml', import.meta.url))
const TOKEN = 'bench-console-token-0123456789'
const TARGET_MS = 1000
const ROWS_ON_FIRST_PAGE = 50

const { values } = parseArgs({ options: { forecasts: { type: 'string' }, rounds: { type: 'string' } } })
const forecasts = Number(values.forecasts ?? 100_000)
const rounds = Number(values.rounds ?? 10)

if (!existsSync(CHROMIUM)) {
  console.log(`b6-console-load: ${CHROMIUM} is missing (apt-get install chromium); no figure measured`)
  process.exit(0)
}

const machine = machineInfo()
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN
}

const scratch = await createScratchDatabase(process.env.DATABASE_URL, 10)
const sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
// error only: every bare-page round is a GET /console/session without a cookie, which the service logs as a warning.
const logger = pino({ level: 'error' })
try {
  // 100k forecasts in one statement: one worker-shaped features.llm, varied per row in the fields the
  // list reads (verdict, mode); each forecast has its order with gate steps, as the worker leaves them.
  const t0 = performance.now()
  const template = JSON.stringify({ llm: sampleFeatures('SPX', new Date(Date.UTC(2020, 0, 1)), 0) })
  await scratch.pool.query(
    `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features, realized_return, resolved_at)
     SELECT (ARRAY['SPX','NDX','AAPL','MSFT','NVDA'])[1 + g % 5], timestamptz '2001-01-01' + g * interval '1 hour', 1, 'ewma-bench',
            0.0004, 0.011, 0.45 + (g % 10) * 0.01, -0.018, 0.018,
            jsonb_set(jsonb_set($1::jsonb, '{llm,policy,effective}', to_jsonb((ARRAY['allow','deny','allow','reduce_only_allowed'])[1 + g % 4])),
                      '{llm,policy,mode}', to_jsonb(CASE WHEN g % 3 = 0 THEN 'shadow' ELSE 'enforce' END)),
            ((g % 9) - 4) * 0.004, timestamptz '2001-01-02' + g * interval '1 hour'
       FROM generate_series(1, $2::int) g`,
    [template, forecasts],
  )
  await scratch.pool.query(
    `INSERT INTO orders (forecast_id, symbol, side, qty, ref_price, status, gate, mode, fill_price)
     SELECT f.id, f.symbol, 'buy', 10, 100, CASE WHEN f.features->'llm'->'policy'->>'effective' = 'deny' THEN 'denied' ELSE 'filled' END,
            jsonb_build_object('effective', f.features->'llm'->'policy'->>'effective', 'reason_code', 'LLM_ALLOW',
                               'steps', jsonb_build_array(jsonb_build_object('step', 'risk', 'verdict', 'allow', 'code', 'RISK_OK', 'reason', 'ok'),
                                                          jsonb_build_object('step', 'llm', 'verdict', 'allow', 'code', 'LLM_ALLOW', 'reason', 'ok'))),
            f.features->'llm'->'policy'->>'mode', 100
       FROM forecasts f`,
  )
  await scratch.pool.query('ANALYZE forecasts; ANALYZE orders')
  const seedMs = performance.now() - t0

  const config = loadConfig({ DATABASE_URL: scratch.url, LLM_BASE_URL: `${sim.url}/v1`, ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' })
  const llm = createLlmClient({ baseURL: config.LLM_BASE_URL, timeoutMs: 5000, db: scratch.pool, logger })
  const app = buildApp({
    config,
    db: scratch.pool,
    llm,
    prompts: loadPromptRegistry(PROMPTS, { abBuckets: config.LLM_AB_BUCKETS }),
    broker: createPaperBroker({ db: scratch.pool, slippageBps: config.PAPER_SLIPPAGE_BPS }),
    logger,
    metrics: [llm.metrics],
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const login = await fetch(`${base}/console/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: TOKEN }),
  })
  const session = /pt_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1]
  if (login.status !== 200 || session === undefined) throw new Error(`POST /console/session answered ${login.status}: ${await login.text()}`)

  // The API alone: the first page of GET /llm/admin/decisions at this table size (server time, loopback).
  const apiMs: number[] = []
  for (let i = 0; i < rounds * 2; i++) {
    const s = performance.now()
    const r = await fetch(`${base}/llm/admin/decisions?limit=${ROWS_ON_FIRST_PAGE}`, { headers: { cookie: `pt_session=${session}` } })
    await r.text()
    apiMs.push(performance.now() - s)
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  const bare: number[] = []
  const first: number[] = []
  const wall: number[] = []
  try {
    /** ms from navigation start to `ready` true in the page, in a fresh profile (cold cache). */
    const measure = async (withSession: boolean, url: string, ready: string): Promise<{ page: number; wall: number }> => {
      // bypassCSP: the page's CSP forbids eval, which the string predicate of waitForFunction needs.
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true })
      if (withSession) await context.addCookies([{ name: 'pt_session', value: session, url: base, httpOnly: true, sameSite: 'Strict' }])
      const page = await context.newPage()
      const s = performance.now()
      await page.goto(url, { waitUntil: 'commit' })
      const inPage = await page.waitForFunction(`(${ready}) && performance.now()`, undefined, { polling: 'raf', timeout: 30_000 })
      const w = performance.now() - s
      const ms = (await inPage.jsonValue()) as number
      await context.close()
      return { page: ms, wall: w }
    }
    const rowsReady = `document.querySelectorAll('#decisions-table tbody tr[data-id]').length === ${ROWS_ON_FIRST_PAGE}`
    const loginReady = `!document.getElementById('login').hidden`
    await measure(true, `${base}/console/#/decisions`, rowsReady) // warm-up (JIT of the server routes, Chromium start)
    for (let r = 0; r < rounds; r++) {
      // Alternating order, so a slow moment of the machine does not fall on one side only.
      const pair = [
        async () => bare.push((await measure(false, `${base}/console/`, loginReady)).page),
        async () => {
          const m = await measure(true, `${base}/console/#/decisions`, rowsReady)
          first.push(m.page)
          wall.push(m.wall)
        },
      ]
      for (const f of r % 2 === 0 ? pair : pair.reverse()) await f()
    }
  } finally {
    await browser.close()
    await app.close()
  }

  const p50 = quantile(first, 0.5)
  await reportBench(
    {
      name: 'b6-console-load',
      ratio: p50 / TARGET_MS,
      target: 1,
      better: 'lower',
      params: { forecasts, orders: forecasts, rounds, rows_on_first_page: ROWS_ON_FIRST_PAGE, chromium: CHROMIUM },
      rows: [
        { side: 'bare static page (login form, no session)', p50_ms: round(quantile(bare, 0.5), 1), max_ms: round(Math.max(...bare), 1) },
        { side: `first view: decisions table (${ROWS_ON_FIRST_PAGE} rows of ${forecasts})`, p50_ms: round(p50, 1), max_ms: round(Math.max(...first), 1) },
        { side: '  same, wall clock from page.goto', p50_ms: round(quantile(wall, 0.5), 1), max_ms: round(Math.max(...wall), 1) },
        { side: 'GET /llm/admin/decisions?limit=50 (API only)', p50_ms: round(quantile(apiMs, 0.5), 1), max_ms: round(Math.max(...apiMs), 1) },
      ],
      notes: [
        `seeded ${forecasts} forecasts and ${forecasts} orders in ${round(seedMs / 1000, 1)} s`,
        `first view minus the bare page: ${round(p50 - quantile(bare, 0.5), 1)} ms (the session check, the decisions query and the table)`,
        `target: first view p50 <= ${TARGET_MS} ms`,
      ],
    },
    machine,
  )
} finally {
  await sim.close()
  await scratch.drop()
}
