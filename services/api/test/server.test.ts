import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { runServiceProcess, startServiceProcess } from '@pulsetrade/http/testing'
import { testDatabase } from '../../../test/db'
import { loadConfig } from '../src/config'
import { PROMPTS_PATH } from './build-test-app'

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
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d' })
    expect(c).toMatchObject({ PORT: 8001, LLM_CONCURRENCY: 64, LLM_MODEL: 'Lexi', CHAT_MAX_MESSAGES: 50, LLM_BASE_URL: ['http://127.0.0.1:8008/v1'] })
  })

  test.each([
    ['LLM_CONCURRENCY', 'abc', 'LLM_CONCURRENCY="abc": expected an integer from 1 to 1024'],
    ['PORT', '70000', 'PORT="70000": expected a port number'],
    ['CHAT_RATE_LIMIT_PER_MIN', '-1', 'CHAT_RATE_LIMIT_PER_MIN="-1"'],
    ['LLM_BASE_URL', 'localhost:8008', 'LLM_BASE_URL="localhost:8008"'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL="mysql://x"'],
  ])('a bad %s stops it with one line naming the variable', (name, value, text) => {
    const env = { DATABASE_URL: 'postgres://u@h:5432/d', [name]: value }
    expect(() => loadConfig(env)).toThrow(text)
    try {
      loadConfig(env)
    } catch (err) {
      expect((err as Error).message).not.toContain('\n')
    }
  })

  test('DATABASE_URL is required', () => {
    expect(() => loadConfig({})).toThrow(/^DATABASE_URL \(unset\)/)
  })
})

describe('server.ts', () => {
  test('serves /llm/health, /readyz and /docs/json, and exits 0 on SIGTERM', async () => {
    const proc = await startServiceProcess(ENTRY, {
      DATABASE_URL: db.url,
      LLM_BASE_URL: `${sim.url}/v1`,
      LLM_PROMPTS_PATH: PROMPTS_PATH,
      LOG_LEVEL: 'warn',
    })
    try {
      const health = await fetch(`${proc.url}/llm/health`)
      expect(health.status).toBe(200)
      expect(await health.json()).toMatchObject({ ok: true, model: 'Lexi' })
      expect((await fetch(`${proc.url}/readyz`)).status).toBe(200)
      const doc = (await (await fetch(`${proc.url}/docs/json`)).json()) as { paths: Record<string, unknown> }
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/llm/health', '/llm/chat', '/healthz', '/readyz']))
      expect(await (await fetch(`${proc.url}/metrics`)).text()).toContain('llm_health_ok 1')
    } finally {
      const exit = await proc.stop('SIGTERM')
      expect(exit.code).toBe(0)
    }
  })

  test('refuses to start on a bad value with one line naming the variable', async () => {
    const { code, output } = await runServiceProcess(ENTRY, { DATABASE_URL: db.url, LLM_CONCURRENCY: 'abc' })
    expect(code).toBe(1)
    expect(output.trim()).toBe('api: LLM_CONCURRENCY="abc": expected an integer from 1 to 1024')
  })

  test('refuses to start on a bad LLM_AB_BUCKETS with one line naming the prompt and version', async () => {
    const { code, output } = await runServiceProcess(ENTRY, { DATABASE_URL: db.url, LLM_PROMPTS_PATH: PROMPTS_PATH, LLM_AB_BUCKETS: 'rationale:9.9.9' })
    expect(code).toBe(1)
    expect(output.trim()).toBe('api: LLM_AB_BUCKETS "rationale:9.9.9": prompt "rationale" has no version "9.9.9" (versions: 1.0.0, 1.1.0)')
  })
})
