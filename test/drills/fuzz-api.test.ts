import { expect, test } from 'vitest'
import { buildApp } from '@pulsetrade/api/app'
import { loadConfig } from '@pulsetrade/api/config'
import { fuzzTarget, routesOf, statusesOf } from './kit/fuzz-drill'
import { bearerHeaders } from './kit/fuzz-requests'

// Drill 6 (fuzz), api service. See kit/fuzz-drill.ts.
const t = fuzzTarget()
const CHAT_TOKEN = 'fuzz-chat-token-0123456789abcdef'

test('api: /llm/health, /llm/chat and the ops routes answer 1,000 generated requests each without a 5xx', { timeout: 90_000 }, async () => {
  // Chat needs a bearer token (issue 15): right most of the time, as for the admin drill; the
  // wrong ones must not throttle the address (30 failures a minute would turn the rest into 429s).
  const config = loadConfig({
    ...t.env(),
    CHAT_RATE_LIMIT_PER_MIN: '1000000',
    CHAT_TOKENS: `fuzz=${CHAT_TOKEN}`,
    CHAT_MAX_STREAMS_PER_TOKEN: '1024',
    CHAT_AUTH_MAX_FAILURES: '100000',
  })
  const llm = t.llm(t.logs.logger)
  const reports = await t.fuzz(
    buildApp({ config, db: t.db.pool, llm, prompts: t.prompts(), logger: t.logs.logger, metrics: [llm.metrics] }),
    bearerHeaders(CHAT_TOKEN),
  )
  expect(routesOf(reports)).toEqual(expect.arrayContaining(['GET /llm/health', 'POST /llm/chat', 'GET /healthz', 'GET /readyz', 'GET /metrics']))
  // Some generated chats are valid and reach Lexi.
  expect(statusesOf(reports, 'POST /llm/chat')[200]).toBeGreaterThan(0)
})
