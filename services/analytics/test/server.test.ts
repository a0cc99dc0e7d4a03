import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { runServiceProcess, startServiceProcess } from '@pulsetrade/http/testing'
import { testDatabase } from '../../../test/db'
import { loadConfig } from '../src/config'
import { PROMPTS_PATH } from './build-test-app'
import { seedForecasts } from './seed-forecasts'

const ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url))
const db = await testDatabase()
let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
})
afterAll(async () => {
  await sim.close()
})

describe('loadConfig', () => {
  test('applies the documented defaults', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d' })).toMatchObject({ PORT: 8002, ANALYTICS_SUMMARY_TIMEOUT_MS: 8000 })
  })

  test.each([
    ['LLM_CONCURRENCY', 'abc', 'LLM_CONCURRENCY="abc": expected an integer from 1 to 1024'],
    ['ANALYTICS_SUMMARY_TIMEOUT_MS', '5s', 'ANALYTICS_SUMMARY_TIMEOUT_MS="5s": expected an integer'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL="loud": expected one of'],
  ])('a bad %s stops it with one line naming the variable', (name, value, text) => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d', [name]: value })).toThrow(text)
  })
})

describe('server.ts', () => {
  test('serves /analytics/recent and exits 0 on SIGTERM', async () => {
    await seedForecasts(db.pool, 3)
    const proc = await startServiceProcess(ENTRY, {
      DATABASE_URL: db.url,
      LLM_BASE_URL: `${sim.url}/v1`,
      LLM_PROMPTS_PATH: PROMPTS_PATH,
      LOG_LEVEL: 'warn',
      ANALYTICS_SUMMARY_TIMEOUT_MS: '5000',
    })
    try {
      const res = await fetch(`${proc.url}/analytics/recent?limit=2`)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ summary_status: 'ok', items: [{ symbol: 'SPX' }, { symbol: 'SPX' }] })
      expect((await fetch(`${proc.url}/readyz`)).status).toBe(200)
    } finally {
      expect((await proc.stop('SIGTERM')).code).toBe(0)
    }
  })

  test('refuses to start on a bad value with one line naming the variable', async () => {
    const { code, output } = await runServiceProcess(ENTRY, { DATABASE_URL: db.url, LLM_CONCURRENCY: 'abc' })
    expect(code).toBe(1)
    expect(output.trim()).toBe('analytics: LLM_CONCURRENCY="abc": expected an integer from 1 to 1024')
  })
})
