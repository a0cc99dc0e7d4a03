import { describe, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { freePort } from '@pulsetrade/http/testing'
import { useSimApps } from './build-test-app'
import { HealthBody } from '../src/routes/health-routes'

const db = await testDatabase()
const t = useSimApps(db)
const app = t.app.bind(t)
const health = (a: ReturnType<typeof app>) => a.inject({ method: 'GET', url: '/llm/health' })

describe('GET /llm/health', () => {
  test('is ok against the simulator, then cached within the TTL without a second request', async () => {
    const a = app()
    const first = await health(a)
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({ ok: true, cached: false, model: 'Lexi' })
    expect(first.json().error).toBeUndefined()
    expect(Date.parse(first.json().checked_at)).not.toBeNaN()
    const second = await health(a)
    expect(second.statusCode).toBe(200)
    expect(second.json()).toMatchObject({ ok: true, cached: true, checked_at: first.json().checked_at })
    expect(second.json().age_ms).toBeGreaterThanOrEqual(0)
    expect(t.sim.stats().requests).toBe(1)
  })

  test('100 concurrent calls share exactly one upstream request', async () => {
    const a = app()
    const replies = await Promise.all(Array.from({ length: 100 }, () => health(a)))
    expect(replies.every((r) => r.statusCode === 200 && r.json().ok === true)).toBe(true)
    expect(t.sim.stats().requests).toBe(1)
  })

  test('is 503 with the reply quoted when the model answers "Ok."', async () => {
    t.sim.setFaults({ health_reply: 'Ok.' })
    const res = await health(app())
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ ok: false, cached: false })
    expect(res.json().error).toBe('reply was "Ok."')
  })

  test('ok and down bodies are JSON of exactly the documented schema', async () => {
    const ok = await health(app())
    const down = await health(app({}, `http://127.0.0.1:${await freePort()}/v1`))
    for (const res of [ok, down]) {
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(HealthBody.strict().parse(res.json())).toEqual(res.json())
    }
  })

  test('is 503 with ECONNREFUSED when nothing listens', async () => {
    const res = await health(app({}, `http://127.0.0.1:${await freePort()}/v1`))
    expect(res.statusCode).toBe(503)
    expect(res.json().ok).toBe(false)
    expect(res.json().error).toContain('ECONNREFUSED')
  })

  test('is 503 naming the timeout when Lexi is wedged', async () => {
    t.sim.setFaults({ wedged: true })
    const started = Date.now()
    const res = await health(app({ LLM_HEALTH_TIMEOUT_MS: '200' }))
    expect(Date.now() - started).toBeLessThan(1500)
    expect(res.statusCode).toBe(503)
    expect(res.json().error).toBe('timeout after 200 ms')
  })

  test('a failure is cached only for the shorter failure TTL', async () => {
    let clock = Date.now()
    const a = app({ LLM_HEALTH_TTL_MS: '60000', LLM_HEALTH_FAIL_TTL_MS: '1000' }, `${t.sim.url}/v1`, () => clock)
    t.sim.setFaults({ health_reply: 'ok' })
    expect((await health(a)).statusCode).toBe(503)
    t.sim.resetFaults()
    clock += 500
    const stillCached = await health(a)
    expect(stillCached.json()).toMatchObject({ ok: false, cached: true, age_ms: 500 })
    clock += 600
    const fresh = await health(a)
    expect(fresh.json()).toMatchObject({ ok: true, cached: false })
    clock += 30_000
    expect((await health(a)).json()).toMatchObject({ ok: true, cached: true })
    expect(t.sim.stats().requests).toBe(2)
  })
})
