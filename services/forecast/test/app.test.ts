import pino from 'pino'
import { Registry, Counter } from 'prom-client'
import { afterAll, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { buildApp } from '../src/app'

const db = await testDatabase()
const workerMetrics = new Registry()
new Counter({ name: 'forecast_rows_written_total', help: 'rows', registers: [workerMetrics] }).inc(3)
const down = {
  models: async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:8008')
  },
}
const app = buildApp({
  db: db.pool,
  llm: down,
  logger: pino({ level: 'silent' }),
  metrics: [workerMetrics],
  status: () => ({ done: 7, failed: 1, stopping: false }),
})
afterAll(async () => {
  await app.close()
})

test('/healthz answers while the worker runs', async () => {
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  expect(res.statusCode).toBe(200)
  expect(res.json()).toEqual({ ok: true })
})

test('/readyz needs Postgres but stays ready while Lexi is down (rows are still written)', async () => {
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  expect(res.statusCode).toBe(200)
  expect(res.json()).toMatchObject({ ok: true, checks: { db: { ok: true }, llm: { ok: false, optional: true } } })
})

test('/metrics serves the worker metrics in Prometheus text', async () => {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  expect(res.statusCode).toBe(200)
  expect(res.body).toMatch(/^forecast_rows_written_total 3$/m)
})

test('/status reports the worker counters', async () => {
  const res = await app.inject({ method: 'GET', url: '/status' })
  expect(res.json()).toEqual({ done: 7, failed: 1, stopping: false })
})
