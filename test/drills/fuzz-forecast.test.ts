import { expect, test } from 'vitest'
import { buildApp } from '@pulsetrade/forecast/app'
import { fuzzTarget, routesOf } from './kit/fuzz-drill'

// Drill 6 (fuzz), the forecast worker's HTTP side. See kit/fuzz-drill.ts.
const t = fuzzTarget()

test('forecast: /status and the ops routes answer 1,000 generated requests each without a 5xx', { timeout: 60_000 }, async () => {
  const llm = t.llm(t.logs.logger)
  const reports = await t.fuzz(
    buildApp({ db: t.db.pool, llm, logger: t.logs.logger, metrics: [llm.metrics], status: () => ({ done: 0, failed: 0, stopping: false }) }),
  )
  expect(routesOf(reports)).toEqual(['GET /healthz', 'GET /metrics', 'GET /readyz', 'GET /status'])
})
