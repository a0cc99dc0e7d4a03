import { expect, test } from 'vitest'
import { buildApp } from '@pulsetrade/api/app'
import { loadConfig } from '@pulsetrade/api/config'
import { fuzzTarget, routesOf, statusesOf } from './kit/fuzz-drill'

// Drill 6 (fuzz), api service. See kit/fuzz-drill.ts.
const t = fuzzTarget()

test('api: /llm/health, /llm/chat and the ops routes answer 1,000 generated requests each without a 5xx', { timeout: 90_000 }, async () => {
  const config = loadConfig({ ...t.env(), CHAT_RATE_LIMIT_PER_MIN: '1000000' })
  const llm = t.llm(t.logs.logger)
  const reports = await t.fuzz(buildApp({ config, db: t.db.pool, llm, prompts: t.prompts(), logger: t.logs.logger, metrics: [llm.metrics] }))
  expect(routesOf(reports)).toEqual(expect.arrayContaining(['GET /llm/health', 'POST /llm/chat', 'GET /healthz', 'GET /readyz', 'GET /metrics']))
  // Some generated chats are valid and reach Lexi.
  expect(statusesOf(reports, 'POST /llm/chat')[200]).toBeGreaterThan(0)
})
