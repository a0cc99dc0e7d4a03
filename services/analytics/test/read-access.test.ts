import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../test/db'
import { isLoopback } from '../src/read-access'
import { buildTestApp } from './build-test-app'
import { seedForecasts } from './seed-forecasts'

/** /analytics/* needs ANALYTICS_READ_TOKEN, or comes from this host (issue 15: it was anonymous). */
const TOKEN = 'read-token-0123456789abcdef'
const db = await testDatabase()
let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
  await seedForecasts(db.pool, 3, { symbol: 'SPX', decision: 'allow' })
})
const apps: Array<{ close: () => Promise<unknown> }> = []
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()))
  await sim.close()
})
function app(env: Record<string, string> = {}) {
  const built = buildTestApp(db, `${sim.url}/v1`, env)
  apps.push(built.app)
  return built.app
}
const get = (a: ReturnType<typeof app>, url: string, remoteAddress: string, authorization?: string) =>
  a.inject({ method: 'GET', url, remoteAddress, ...(authorization === undefined ? {} : { headers: { authorization } }) })

describe('/analytics/* access', () => {
  test('without a token: loopback clients are answered, others get 403 naming the knob; ops routes stay open', async () => {
    const a = app()
    for (const url of ['/analytics/recent?limit=2', '/analytics/llm']) {
      expect((await get(a, url, '127.0.0.1')).statusCode).toBe(200)
      expect((await get(a, url, '::1')).statusCode).toBe(200)
      const far = await get(a, url, '10.1.2.3')
      expect(far.statusCode).toBe(403)
      expect(far.json()).toMatchObject({ code: 'API_ERR_FORBIDDEN' })
      expect(far.json().message).toContain('ANALYTICS_READ_TOKEN')
    }
    expect((await get(a, '/healthz', '10.1.2.3')).statusCode).toBe(200)
  })

  test('ANALYTICS_PUBLIC=1 answers any address', async () => {
    expect((await get(app({ ANALYTICS_PUBLIC: '1' }), '/analytics/recent?limit=1', '10.1.2.3')).statusCode).toBe(200)
  })

  test('with ANALYTICS_READ_TOKEN every caller needs it, loopback included', async () => {
    const a = app({ ANALYTICS_READ_TOKEN: TOKEN })
    expect((await get(a, '/analytics/recent?limit=1', '127.0.0.1')).statusCode).toBe(401)
    expect((await get(a, '/analytics/recent?limit=1', '10.1.2.3', 'Bearer wrong-token-0123456789')).statusCode).toBe(401)
    expect((await get(a, '/analytics/recent?limit=1', '10.1.2.3', `Bearer ${TOKEN}`)).statusCode).toBe(200)
    expect((await get(a, '/analytics/llm', '10.1.2.3', `Bearer ${TOKEN}`)).statusCode).toBe(200)
  })

  test('a token shorter than 16 characters is refused at start', () => {
    expect(() => app({ ANALYTICS_READ_TOKEN: 'short' })).toThrow(/ANALYTICS_READ_TOKEN/)
  })

  test('loopback means 127/8 and ::1 (also IPv4-mapped), nothing else', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true)
    for (const a of [undefined, '10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', '1127.0.0.1', '::2']) expect(isLoopback(a)).toBe(false)
  })
})
