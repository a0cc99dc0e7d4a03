import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { runServiceProcess, startServiceProcess } from '@pulsetrade/http/testing'
import { testDatabase } from '../../../test/db'
import { loadConfig } from '../src/config'
import { PROMPTS_PATH, TOKEN } from './build-test-app'

const ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url))
const db = await testDatabase()
const base = { DATABASE_URL: 'postgres://u@h:5432/d', ADMIN_TOKEN: TOKEN }

describe('loadConfig', () => {
  test('applies the documented defaults', () => {
    expect(loadConfig(base)).toMatchObject({ PORT: 8003, ENABLE_PANIC_EXIT: false, RISK_LOT_SIZE: 1, PAPER_SLIPPAGE_BPS: 1 })
    expect(loadConfig({ ...base, ENABLE_PANIC_EXIT: '1' }).ENABLE_PANIC_EXIT).toBe(true)
  })

  test.each([
    ['LLM_CONCURRENCY', 'abc', 'LLM_CONCURRENCY="abc": expected an integer from 1 to 1024'],
    ['ENABLE_PANIC_EXIT', 'yes', 'ENABLE_PANIC_EXIT="yes": expected 1, 0, true or false'],
    ['ADMIN_TOKEN', 'short', 'ADMIN_TOKEN="<5 characters, hidden>": expected a token of at least 16 visible ASCII characters, without spaces'],
  ])('a bad %s stops it with one line naming the variable', (name, value, text) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(text)
  })

  test('ADMIN_TOKEN is required', () => {
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(
      /^ADMIN_TOKEN \(unset\): expected a token of at least 16 visible ASCII characters, without spaces$/,
    )
  })
})

describe('server.ts', () => {
  test('refuses to start without a token of at least 16 characters, never printing it', async () => {
    const short = await runServiceProcess(ENTRY, { DATABASE_URL: db.url, ADMIN_TOKEN: 'hunter2hunter2' })
    expect(short.code).toBe(1)
    expect(short.output.trim()).toBe('admin: ADMIN_TOKEN="<14 characters, hidden>": expected a token of at least 16 visible ASCII characters, without spaces')
    expect(short.output).not.toContain('hunter2')
  })

  test('serves the strategist state behind the token and exits 0 on SIGTERM', async () => {
    // No LLM is needed for these routes; LLM_BASE_URL points at a closed port.
    const proc = await startServiceProcess(ENTRY, {
      DATABASE_URL: db.url,
      ADMIN_TOKEN: TOKEN,
      LLM_BASE_URL: 'http://127.0.0.1:1/v1',
      LLM_PROMPTS_PATH: PROMPTS_PATH,
      LOG_LEVEL: 'warn',
    })
    try {
      expect((await fetch(`${proc.url}/strategist/state`)).status).toBe(401)
      const res = await fetch(`${proc.url}/strategist/state`, { headers: { authorization: `Bearer ${TOKEN}` } })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ state: 'ACTIVE' })
      expect(
        (
          await fetch(`${proc.url}/strategist/panic-exit`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body: '{"reason":"drill"}',
          })
        ).status,
      ).toBe(404)
    } finally {
      expect((await proc.stop('SIGTERM')).code).toBe(0)
    }
    expect(proc.output()).not.toContain(TOKEN)
  })
})
