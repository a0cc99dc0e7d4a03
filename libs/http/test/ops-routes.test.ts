import Fastify from 'fastify'
import { Counter, Registry } from 'prom-client'
import { afterAll, describe, expect, test } from 'vitest'
import { configureApp, dbReadiness, llmReadiness, opsRoutes } from '@pulsetrade/http'

const hang = (signal: AbortSignal) =>
  new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted')))
  })

function build(checks: Parameters<typeof opsRoutes>[1]['checks']) {
  const app = Fastify()
  const registry = new Registry()
  const llmRegistry = new Registry()
  new Counter({ name: 'llm_calls_total', help: 'calls', registers: [llmRegistry] }).inc(2)
  configureApp(app, { registry })
  app.register(opsRoutes, { checks, registries: [registry, llmRegistry] })
  return app
}

const healthyDb = { query: async () => ({ rows: [] }) }
const downDb = {
  query: async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:5999')
  },
}
const upLlm = { models: async () => [{ id: 'Lexi' }] }
const hangingLlm = { models: async (opts?: { signal?: AbortSignal }) => hang(opts!.signal!) }

const apps: Array<ReturnType<typeof build>> = []
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()))
})
const make = (checks: Parameters<typeof build>[0]) => {
  const a = build(checks)
  apps.push(a)
  return a
}

describe('opsRoutes', () => {
  test('/healthz answers ok', async () => {
    const res = await make([]).inject({ method: 'GET', url: '/healthz' })
    expect(res.json()).toEqual({ ok: true })
  })

  test('/readyz is 200 when every required check passes', async () => {
    const res = await make([dbReadiness(healthyDb), llmReadiness(upLlm)]).inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ok: true, checks: { db: { ok: true, optional: false }, llm: { ok: true, optional: true } } })
  })

  test('/readyz is 503 with the cause when the database is down', async () => {
    const res = await make([dbReadiness(downDb)]).inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(503)
    expect(res.json().checks.db.error).toContain('ECONNREFUSED')
  })

  test('an optional check that hangs times out but keeps the service ready', async () => {
    const res = await make([dbReadiness(healthyDb), llmReadiness(hangingLlm, { timeoutMs: 50 })]).inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(200)
    expect(res.json().checks.llm).toMatchObject({ ok: false, error: 'timeout after 50 ms' })
  })

  test('a required LLM check makes the service unready', async () => {
    const res = await make([llmReadiness(hangingLlm, { timeoutMs: 30, optional: false })]).inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(503)
  })

  test('/metrics prints default, HTTP and every other registry in Prometheus text', async () => {
    const app = make([])
    await app.inject({ method: 'GET', url: '/healthz' })
    const res = await app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain')
    expect(res.body).toContain('process_cpu_user_seconds_total')
    expect(res.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} 1/)
    expect(res.body).toContain('llm_calls_total 2')
  })
})
