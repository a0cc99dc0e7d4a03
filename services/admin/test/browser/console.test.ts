import { existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { TestDatabase } from '@pulsetrade/db/testing'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../../test/db'
import { buildTestApp, TOKEN } from '../build-test-app'
import { seedDecisions, seedPositions, type SeededDecision } from './seed'

/**
 * The operator console in Debian's Chromium (never a downloaded browser): the admin service on a
 * real socket, real Postgres, a real lexi-sim on loopback. Screenshots of each view land in
 * docs/console/ with `make screenshots`, in a scratch directory otherwise. Without /usr/bin/chromium every test here is reported as skipped, with the reason.
 */
export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
const SKIP = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install -y chromium); the console browser tests are skipped`
if (SKIP !== null) console.warn(SKIP)

// `make screenshots` writes them over docs/console/ (CONSOLE_SCREENSHOTS_DIR); a plain test run writes
// them to a scratch directory, so `make test` leaves the checkout as it found it.
const SHOTS = `${process.env.CONSOLE_SCREENSHOTS_DIR ?? mkdtempSync(join(tmpdir(), 'console-shots-'))}/`
const WAIT = { timeout: 20_000 }

describe.skipIf(SKIP !== null)('operator console in Chromium', () => {
  let db: TestDatabase
  let sim: LexiSim
  let app: FastifyInstance
  let browser: Browser
  let base: string
  let seeded: SeededDecision[]
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    db = await testDatabase()
    sim = await startLexiSim({ port: 0, fixedLatencyMs: 0, controlPort: 0 })
    seeded = await seedDecisions(db.pool, sim.url, 24)
    await seedPositions(db.pool)
    // Fast health re-probes so the header follows lexi-sim going down and up within a few polls.
    app = buildTestApp(db, `${sim.url}/v1`, { ENABLE_PANIC_EXIT: '1', LLM_HEALTH_TTL_MS: '200', LLM_HEALTH_FAIL_TTL_MS: '200' }).app
    await app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
    mkdirSync(SHOTS, { recursive: true })
  }, 120_000)

  afterAll(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()))
    await browser?.close()
    await app?.close()
    await sim?.close()
  })

  /** A fresh browser profile (no cookie) at the given size, which fails the test on any request off this service or any script error. */
  async function open(width = 1280, height = 800): Promise<{ page: Page; offsite: string[]; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height }, serviceWorkers: 'block' })
    contexts.push(context)
    const page = await context.newPage()
    const offsite: string[] = []
    const errors: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) offsite.push(r.url())
    })
    page.on('pageerror', (e) => errors.push(String(e)))
    return { page, offsite, errors }
  }

  async function login(page: Page): Promise<void> {
    await page.goto(`${base}/console/`)
    await page.locator('#login-token').waitFor(WAIT)
    await page.fill('#login-token', TOKEN)
    await page.click('#login-form button[type=submit]')
    await page.locator('#tabs').waitFor({ state: 'visible', ...WAIT })
  }

  /**
   * Signed in through the API (POST /console/session) with the cookie handed to the browser: the
   * views' tests start on a page that already has its session, so only the sign-in and sign-out
   * tests load the page without one (each such load is an unauthenticated GET /console/session,
   * which the service counts against the address's failure budget).
   */
  async function signedIn(page: Page): Promise<void> {
    const res = await fetch(`${base}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKEN }),
    })
    expect(res.status).toBe(200)
    const id = /pt_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1]
    expect(id).toBeDefined()
    await page.context().addCookies([{ name: 'pt_session', value: id!, url: base, httpOnly: true, sameSite: 'Strict' }])
    await page.goto(`${base}/console/`)
    await page.locator('#tabs').waitFor({ state: 'visible', ...WAIT })
  }

  const view = async (page: Page, name: string): Promise<void> => {
    await page.click(`#tabs a[data-view="${name}"]`)
    await page.locator(`#view[data-view="${name}"]`).waitFor(WAIT)
  }
  const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: false })
  const state = (): Promise<string> => db.pool.query<{ state: string }>('SELECT state FROM trading_state').then((r) => r.rows[0]!.state)
  const openPositions = (): Promise<number> => db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM positions WHERE qty <> 0').then((r) => r.rows[0]!.n)
  const simFaults = async (patch: object): Promise<void> => {
    const res = await fetch(`${sim.controlUrl}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) })
    expect(res.status).toBe(200)
  }

  test('log in with the token: the page keeps no token in storage and sees an HttpOnly cookie only', async () => {
    const { page, offsite, errors } = await open()
    await page.goto(`${base}/console/`)
    await page.locator('#login-token').waitFor(WAIT)
    await shot(page, 'login')
    await page.fill('#login-token', 'not-the-token-0123456789')
    await page.click('#login-form button[type=submit]')
    await expect.poll(() => page.textContent('#login-error'), WAIT).toMatch(/not accepted/)
    await login(page)
    expect(await page.inputValue('#login-token')).toBe('')
    const seen = await page.evaluate('({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })')
    expect(seen).toEqual({ local: 0, session: 0, cookie: '' })
    const cookie = (await page.context().cookies()).find((c) => c.name === 'pt_session')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' })
    expect(offsite).toEqual([])
    expect(errors).toEqual([])
  })

  test('Lexi: health ok → down when lexi-sim goes down → ok when it is back', async () => {
    const { page, errors } = await open()
    await signedIn(page)
    await view(page, 'lexi')
    await page.locator('#status-lexi[data-state="ok"]').waitFor(WAIT)
    await page.locator('#lexi-body .health').waitFor(WAIT)
    await shot(page, 'lexi')
    try {
      await simFaults({ down: true })
      await page.locator('#status-lexi[data-state="down"]').waitFor(WAIT)
      await expect.poll(() => page.textContent('#lexi-body .health'), WAIT).toMatch(/down/)
      await shot(page, 'lexi-down')
    } finally {
      await simFaults({ down: false })
    }
    await page.locator('#status-lexi[data-state="ok"]').waitFor(WAIT)
    expect(errors).toEqual([])
  }, 90_000)

  test('Decisions: filter, open one (rationale, raw text, prompt hash), replay it with force, keyboard only', async () => {
    const { page, errors } = await open()
    await signedIn(page)
    await view(page, 'decisions')
    await page.locator('#decisions-table tbody tr[data-id]').first().waitFor(WAIT)
    expect(await page.locator('#decisions-table tbody tr[data-id]').count()).toBe(seeded.length)
    await shot(page, 'decisions')

    // Filter by symbol: only that symbol's rows come back from the server.
    const target = seeded.at(-2)!
    await page.fill('#f-symbol', target.symbol.toLowerCase())
    await page.press('#f-symbol', 'Enter')
    await expect
      .poll(async () => new Set(await page.locator('#decisions-table tbody tr[data-id] td:nth-child(2)').allTextContents()), WAIT)
      .toEqual(new Set([target.symbol]))

    // Keyboard: focus the row's link, Enter opens the detail dialog.
    await page.focus(`#decisions-table a[href="#/decisions/${target.id}"]`)
    await page.keyboard.press('Enter')
    await page.locator('#decision-dialog[open] #detail-rationale').waitFor(WAIT)
    expect(target.rationale.length).toBeGreaterThan(10)
    await expect.poll(() => page.textContent('#detail-rationale'), WAIT).toBe(target.rationale)
    expect(await page.textContent('#detail-raw')).toBe(target.raw)
    expect(await page.textContent('#decision-dialog')).toMatch(/policy 1\.\d+\.\d+/)
    expect(await page.textContent('#decision-dialog code.hash')).toMatch(/\S{12,}/)

    const before = sim.stats().requests
    await page.click('#replay-force')
    await page.locator('#replay-result .replay').waitFor(WAIT)
    const replay = (await page.textContent('#replay-result'))!
    expect(replay).toMatch(/Drift: (no drift|drift)/)
    expect(replay).toMatch(/asked Lexi/)
    expect(sim.stats().requests).toBeGreaterThan(before)
    await page.locator('#replay-result').scrollIntoViewIfNeeded()
    await shot(page, 'decision-detail')

    await page.keyboard.press('Escape')
    await page.locator('#decision-dialog[open]').waitFor({ state: 'detached', ...WAIT })
    // The dialog's close event (which puts the hash back) is a task queued after [open] goes away.
    await expect.poll(() => page.evaluate('location.hash'), WAIT).toBe('#/decisions')
    expect(errors).toEqual([])
  }, 90_000)

  test('Decisions refresh by polling: a new forecast appears on the newest page without a reload', async () => {
    const { page, errors } = await open()
    await signedIn(page)
    await view(page, 'decisions')
    await page.locator('#decisions-table tbody tr[data-id]').first().waitFor(WAIT)
    const { rows } = await db.pool.query<{ id: string | number }>(
      `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features)
       SELECT 'POLL', now(), horizon, model_version, mu, sigma, p_up, q05, q95, features FROM forecasts WHERE id = $1 RETURNING id`,
      [seeded[0]!.id],
    )
    const id = String(rows[0]!.id)
    try {
      // poll_ms.decisions is 5 s: the row must come within two polls.
      await page.locator(`#decisions-table tbody tr[data-id="${id}"]`).waitFor({ timeout: 12_000 })
      expect(await page.getAttribute('#decisions-table tbody tr[data-id]', 'data-id')).toBe(id)
    } finally {
      await db.pool.query('DELETE FROM forecasts WHERE id = $1', [id])
    }
    expect(errors).toEqual([])
  }, 60_000)

  test('Decisions page by the server: Older shows the next 50 by id, Newer comes back, both buttons say where they lead', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features)
       SELECT 'PAGE', now() - n * interval '1 minute', horizon, model_version, mu, sigma, p_up, q05, q95, features
       FROM forecasts, generate_series(1, 60) AS n WHERE id = $1 RETURNING id`,
      [seeded[0]!.id],
    )
    try {
      const { page, errors } = await open()
      await signedIn(page)
      await view(page, 'decisions')
      const ids = async (): Promise<number[]> =>
        await page.locator('#decisions-table tbody tr[data-id]').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-id'))))
      await expect.poll(async () => (await ids()).length, WAIT).toBe(50)
      const first = await ids()
      expect(await page.isDisabled('#page-newer')).toBe(true)
      expect(await page.isDisabled('#page-older')).toBe(false)

      await page.click('#page-older')
      await expect.poll(async () => Math.max(...(await ids())), WAIT).toBeLessThan(Math.min(...first))
      const second = await ids()
      // 60 + 24 rows: the second page holds the other 34, newest first, and leads nowhere older.
      expect(second).toHaveLength(60 + seeded.length - 50)
      expect(second).toEqual([...second].sort((a, b) => b - a))
      expect(await page.isDisabled('#page-older')).toBe(true)
      expect(await page.isDisabled('#page-newer')).toBe(false)

      await page.click('#page-newer')
      await expect.poll(ids, WAIT).toEqual(first)
      expect(await page.isDisabled('#page-newer')).toBe(true)
      expect(errors).toEqual([])
    } finally {
      await db.pool.query('DELETE FROM forecasts WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)])
    }
  }, 60_000)

  test('Kill switch: panic exit with the typed confirmation → HALTED and flat; resume → ACTIVE; both audited as the session', async () => {
    await seedPositions(db.pool)
    expect(await openPositions()).toBeGreaterThan(0)
    const { page, errors } = await open()
    await signedIn(page)
    await view(page, 'kill')
    await page.locator('#trading-state').waitFor({ state: 'attached', ...WAIT })
    await page.locator('#positions-table tbody tr').first().waitFor(WAIT)
    await shot(page, 'kill-switch')

    await page.fill('#panic-reason', 'console browser test')
    await page.fill('#panic-confirm', 'panic exit')
    expect(await page.isDisabled('#panic-submit')).toBe(true) // not the exact phrase
    await page.fill('#panic-confirm', 'PANIC EXIT')
    expect(await page.isDisabled('#panic-submit')).toBe(false)
    await page.click('#panic-submit')
    await expect.poll(() => page.textContent('#trading-state'), WAIT).toBe('HALTED')
    await expect.poll(() => page.textContent('#positions-summary'), WAIT).toMatch(/^Flat/)
    await page.locator('#exit-progress').waitFor(WAIT)
    await expect.poll(() => page.textContent('#exit-progress'), WAIT).not.toMatch(/running…/)
    expect(await state()).toBe('HALTED')
    expect(await openPositions()).toBe(0)
    await shot(page, 'kill-switch-halted')

    await page.fill('#resume-reason', 'console browser test done')
    await page.click('#resume-submit')
    await expect.poll(() => page.textContent('#trading-state'), WAIT).toBe('ACTIVE')
    expect(await state()).toBe('ACTIVE')
    const audit = await db.pool.query<{ actor: string; action: string }>(
      "SELECT actor, action FROM audit_log WHERE action IN ('strategist.panic_exit', 'strategist.resume') AND reason LIKE 'console browser test%' ORDER BY id",
    )
    expect(audit.rows.map((r) => `${r.actor} ${r.action}`)).toEqual(['admin strategist.panic_exit', 'admin strategist.resume'])
    expect(errors).toEqual([])
  }, 90_000)

  test('Kill switch with ENABLE_PANIC_EXIT off: no panic form, the reason instead', async () => {
    const off = buildTestApp(db, `${sim.url}/v1`).app
    await off.listen({ host: '127.0.0.1', port: 0 })
    try {
      const { page, errors } = await open()
      await page.goto(`http://127.0.0.1:${(off.server.address() as AddressInfo).port}/console/#/kill`)
      await page.fill('#login-token', TOKEN)
      await page.click('#login-form button[type=submit]')
      await page.locator('#panic-disabled').waitFor(WAIT)
      expect(await page.textContent('#panic-disabled')).toMatch(/ENABLE_PANIC_EXIT/)
      expect(await page.locator('#panic-form').count()).toBe(0)
      await shot(page, 'kill-switch-disabled')
      expect(errors).toEqual([])
    } finally {
      await off.close()
    }
  }, 60_000)

  test('every view renders with labelled controls; screenshots at 1280×800 and at 390 px', async () => {
    const { page, offsite, errors } = await open()
    await signedIn(page)
    const unlabelled = (): Promise<string[]> =>
      // Visible form controls with neither a <label>, an aria-label nor text of their own.
      page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea, button')]
        .filter((e) => e.offsetParent !== null)
        .filter((e) => !e.labels?.length && !e.getAttribute('aria-label') && !(e.textContent ?? '').trim())
        .map((e) => e.outerHTML.slice(0, 80))`)
    await view(page, 'outcomes')
    await page.locator('#outcomes-chart canvas').waitFor(WAIT)
    await page.locator('#shadow-report #enforce-effect').waitFor(WAIT)
    expect(await unlabelled()).toEqual([])
    await shot(page, 'outcomes')

    await view(page, 'prompts')
    await page.locator('#prompts table').first().waitFor(WAIT)
    await page.locator('#arms-table').waitFor(WAIT)
    expect(await unlabelled()).toEqual([])
    await shot(page, 'prompts')

    await view(page, 'audit')
    await page.locator('#audit-table tbody tr').first().waitFor(WAIT)
    expect(await unlabelled()).toEqual([])
    await shot(page, 'audit')

    for (const v of ['lexi', 'decisions', 'kill']) {
      await view(page, v)
      expect(await unlabelled()).toEqual([])
    }

    // Phone width: nothing wider than the screen (tables scroll inside their own box).
    await page.setViewportSize({ width: 390, height: 844 })
    for (const v of ['decisions', 'kill', 'lexi']) {
      await view(page, v)
      await page.waitForTimeout(300)
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    }
    await view(page, 'decisions')
    await page.locator('#decisions-table tbody tr[data-id]').first().waitFor(WAIT)
    await shot(page, 'decisions-390')
    expect(offsite).toEqual([])
    expect(errors).toEqual([])
  }, 90_000)

  test('log out: the page returns to the login form and the old cookie is refused', async () => {
    const { page, errors } = await open()
    await login(page)
    const cookie = (await page.context().cookies()).find((c) => c.name === 'pt_session')!
    const withCookie = (): Promise<Response> => fetch(`${base}/llm/admin/decisions`, { headers: { cookie: `pt_session=${cookie.value}` } })
    expect((await withCookie()).status).toBe(200)
    await page.click('#logout')
    await page.locator('#login').waitFor({ state: 'visible', ...WAIT })
    expect(await page.isHidden('#tabs')).toBe(true)
    expect((await withCookie()).status).toBe(401)
    expect(await page.evaluate<number>("fetch('/llm/admin/decisions').then((r) => r.status)")).toBe(401)
    await page.reload()
    await page.locator('#login-token').waitFor(WAIT)
    expect(await page.isHidden('#tabs')).toBe(true)
    expect(errors).toEqual([])
  })
})
