import { expect, test } from 'vitest'
import { buildApp } from '@pulsetrade/admin/app'
import { loadConfig } from '@pulsetrade/admin/config'
import { createPaperBroker } from '@pulsetrade/trading'
import { bearerHeaders } from './kit/fuzz-requests'
import { fuzzTarget, routesOf, RUNS, statusesOf } from './kit/fuzz-drill'

// Drill 6 (fuzz), admin service, panic exit enabled; the bearer token is right most of the time. See kit/fuzz-drill.ts.
const t = fuzzTarget()
const TOKEN = 'fuzz-admin-token-0123456789abcdef'

test('admin: replay, prompts, shadow report, strategist and ops routes answer 1,000 generated requests each without a 5xx', { timeout: 120_000 }, async () => {
  // Failed authentications are throttled per address (issue 15); the fuzzer's ~2 in 10 wrong tokens would lock its one address out.
  const config = loadConfig({ ...t.env(), ADMIN_TOKEN: TOKEN, ENABLE_PANIC_EXIT: '1', ADMIN_AUTH_MAX_FAILURES: '100000' })
  const llm = t.llm(t.logs.logger)
  const broker = createPaperBroker({ db: t.db.pool, slippageBps: config.PAPER_SLIPPAGE_BPS })
  const reports = await t.fuzz(
    buildApp({ config, db: t.db.pool, llm, prompts: t.prompts(), broker, logger: t.logs.logger, metrics: [llm.metrics] }),
    bearerHeaders(TOKEN),
  )
  expect(routesOf(reports)).toEqual(
    expect.arrayContaining([
      'POST /llm/admin/replay',
      'GET /llm/admin/prompts',
      'GET /llm/admin/shadow-report',
      'POST /strategist/panic-exit',
      'GET /strategist/state',
      'POST /strategist/resume',
    ]),
  )
  expect(statusesOf(reports, 'POST /strategist/panic-exit')[202]).toBeGreaterThan(0)
  // Every authenticated request left its audit row (none was lost to a value Postgres refuses).
  const ACTIONS: Record<string, string> = {
    'POST /llm/admin/replay': 'llm.replay',
    'GET /llm/admin/prompts': 'llm.prompts',
    'GET /llm/admin/shadow-report': 'llm.shadow_report',
    'POST /strategist/panic-exit': 'strategist.panic_exit',
    'GET /strategist/state': 'strategist.state',
    'POST /strategist/resume': 'strategist.resume',
  }
  const audited = await t.db.pool.query<{ action: string; n: number }>('SELECT action, count(*)::int AS n FROM audit_log WHERE action = ANY($1) GROUP BY 1', [
    Object.values(ACTIONS),
  ])
  const expected = Object.entries(ACTIONS).map(([route, action]) => ({ action, n: RUNS - (statusesOf(reports, route)[401] ?? 0) }))
  expect(audited.rows.sort((a, b) => a.action.localeCompare(b.action))).toEqual(expected.sort((a, b) => a.action.localeCompare(b.action)))
})
