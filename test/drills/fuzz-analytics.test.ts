import { expect, test } from 'vitest'
import { buildApp } from '@pulsetrade/analytics/app'
import { loadConfig } from '@pulsetrade/analytics/config'
import { fuzzTarget, routesOf, statusesOf } from './kit/fuzz-drill'

// Drill 6 (fuzz), analytics service. See kit/fuzz-drill.ts.
const t = fuzzTarget()

test('analytics: /analytics/recent, /analytics/llm and the ops routes answer 1,000 generated requests each without a 5xx', { timeout: 90_000 }, async () => {
  const llm = t.llm(t.logs.logger)
  const reports = await t.fuzz(
    buildApp({ config: loadConfig(t.env()), db: t.db.pool, llm, prompts: t.prompts(), logger: t.logs.logger, metrics: [llm.metrics] }),
  )
  expect(routesOf(reports)).toEqual(expect.arrayContaining(['GET /analytics/recent', 'GET /analytics/llm', 'GET /readyz']))
  expect(statusesOf(reports, 'GET /analytics/recent')[200]).toBeGreaterThan(0)
})
