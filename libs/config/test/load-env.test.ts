import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { ConfigError, commonEnv, envField, loadEnv, servicePort } from '@pulsetrade/config'

const Api = z.object({
  ...commonEnv.db,
  ...commonEnv.log,
  ...commonEnv.llm,
  ...commonEnv.gate,
  ADMIN_TOKEN: envField.token({ minLength: 16 }).optional(),
  ...servicePort('api'),
})

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('loadEnv', () => {
  test('applies the documented defaults to an empty environment', () => {
    const c = loadEnv(Api, {})
    expect(c.DATABASE_URL).toBeUndefined()
    expect(c).toMatchObject({
      LOG_LEVEL: 'info',
      LOG_PRETTY: false,
      LLM_BASE_URL: ['http://127.0.0.1:8008/v1'],
      LLM_MODEL: 'Lexi',
      LLM_CONCURRENCY: 64,
      LLM_MAX_TOKENS: 4096,
      LLM_SHADOW_MODE: false,
      ORDER_GATE_DISABLED: false,
      LLM_PROMPTS_PATH: 'configs/llm_prompts.yaml',
      PORT: 8001,
    })
  })

  test('a bad integer fails with one line naming the variable, the value and the form expected', () => {
    const err = errorOf(() => loadEnv(Api, { LLM_CONCURRENCY: 'abc' }))
    expect(err.message).toBe('LLM_CONCURRENCY="abc": expected an integer from 1 to 1024')
    expect(err.code).toBe('CONFIG_ERR_INVALID')
    expect(err.issues).toEqual([{ name: 'LLM_CONCURRENCY', received: 'abc', expected: 'expected an integer from 1 to 1024' }])
  })

  test('out-of-range and fractional integers are rejected', () => {
    expect(() => loadEnv(Api, { LLM_CONCURRENCY: '0' })).toThrow('LLM_CONCURRENCY="0": expected an integer from 1 to 1024')
    expect(() => loadEnv(Api, { LLM_CONCURRENCY: '2.5' })).toThrow('LLM_CONCURRENCY="2.5"')
    expect(() => loadEnv(Api, { PORT: '70000' })).toThrow('PORT="70000": expected a port number from 1 to 65535')
  })

  test('several bad variables are reported together on a single line', () => {
    const err = errorOf(() => loadEnv(Api, { LLM_CONCURRENCY: 'abc', LOG_LEVEL: 'loud' }))
    expect(err.message).not.toContain('\n')
    expect(err.message).toContain('LLM_CONCURRENCY="abc"')
    expect(err.message).toContain('LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent')
  })

  test('empty values count as unset and fall back to defaults', () => {
    const c = loadEnv(Api, { LLM_CONCURRENCY: '', DATABASE_URL: ' ' })
    expect(c.LLM_CONCURRENCY).toBe(64)
    expect(c.DATABASE_URL).toBeUndefined()
  })

  test('secrets are never echoed in the message', () => {
    const err = errorOf(() => loadEnv(Api, { ADMIN_TOKEN: 'short-secret' }))
    expect(err.message).toBe('ADMIN_TOKEN="<12 characters, hidden>": expected a token of at least 16 visible ASCII characters, without spaces')
    const db = errorOf(() => loadEnv(z.object({ X_URL: envField.int() }), { X_URL: 'postgres://u:hunter2@h/db' }))
    expect(db.message).not.toContain('hunter2')
  })

  test('accepts a plain shape as well as a zod object', () => {
    expect(loadEnv({ ...commonEnv.db }, { EMBEDDED_PG_PORT: '5999' }).EMBEDDED_PG_PORT).toBe(5999)
    expect(() => loadEnv({ ...commonEnv.db }, { EMBEDDED_PG_PORT: 'x' })).toThrow('EMBEDDED_PG_PORT="x": expected a port number from 1 to 65535')
  })

  test('a required variable that is unset says so', () => {
    const S = z.object({ NEEDED: envField.url() })
    expect(() => loadEnv(S, {})).toThrow('NEEDED (unset): expected an http(s) URL')
  })
})

describe('envField', () => {
  const B = z.object({ FLAG: envField.boolean().default(false) })

  test.each([
    ['1', true],
    ['true', true],
    ['0', false],
    ['false', false],
  ])('boolean accepts %s', (raw, want) => {
    expect(loadEnv(B, { FLAG: raw }).FLAG).toBe(want)
  })

  test.each(['yes', 'on', 'TRUE ish', '2', 'off'])('boolean rejects %s instead of reading it as false', (raw) => {
    expect(() => loadEnv(B, { FLAG: raw })).toThrow(`FLAG=${JSON.stringify(raw)}: expected 1, 0, true or false`)
  })

  test('LLM_BASE_URL takes a comma-separated list of replicas and drops trailing slashes', () => {
    const c = loadEnv(Api, { LLM_BASE_URL: 'http://gpu-a:8008/v1/, http://gpu-b:8008/v1' })
    expect(c.LLM_BASE_URL).toEqual(['http://gpu-a:8008/v1', 'http://gpu-b:8008/v1'])
    expect(() => loadEnv(Api, { LLM_BASE_URL: 'http://gpu-a:8008/v1,ftp://x' })).toThrow(
      'LLM_BASE_URL="http://gpu-a:8008/v1,ftp://x": expected a comma-separated list of http(s) URLs',
    )
  })

  test('list splits on commas, trims and drops empty items', () => {
    const L = z.object({ SYMBOLS: envField.list({ minItems: 1 }) })
    expect(loadEnv(L, { SYMBOLS: ' SPX, NDX,,' }).SYMBOLS).toEqual(['SPX', 'NDX'])
    expect(() => loadEnv(L, { SYMBOLS: ',' })).toThrow('SYMBOLS=",": expected a comma-separated list of at least 1 item(s)')
  })

  test('numbers honour their bounds, including an open lower bound', () => {
    expect(loadEnv(Api, { LLM_TEMPERATURE: '0.7', LLM_TOP_P: '0.9' })).toMatchObject({ LLM_TEMPERATURE: 0.7, LLM_TOP_P: 0.9 })
    expect(() => loadEnv(Api, { LLM_TOP_P: '0' })).toThrow('LLM_TOP_P="0": expected a number above 0 up to 1')
    expect(() => loadEnv(Api, { LLM_TEMPERATURE: 'warm' })).toThrow('LLM_TEMPERATURE="warm": expected a number from 0 to 2')
  })

  test('DATABASE_URL must be a postgres URL when set', () => {
    expect(loadEnv(Api, { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' }).DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/test')
    expect(() => loadEnv(Api, { DATABASE_URL: 'mysql://x' })).toThrow('DATABASE_URL="mysql://x": expected a postgres:// or postgresql:// URL')
  })

  test('servicePort defaults to the port of design section 2', () => {
    const ports = (['api', 'analytics', 'admin', 'forecast'] as const).map((s) => loadEnv(z.object(servicePort(s)), {}).PORT)
    expect(ports).toEqual([8001, 8002, 8003, 8004])
  })
})

describe('credentials in config errors (issue 15)', () => {
  const Db = z.object({ ...commonEnv.db, ...commonEnv.llm })
  test.each([
    ['DATABASE_URL', 'postgres://app:pg-s3cret@db.internal:99999/prices', 'postgres://app:***@db.internal:99999/prices'],
    ['DATABASE_URL', 'postgres://app:pg-s3cret@db internal/prices', 'postgres://app:***@db internal/prices'],
    ['LLM_BASE_URL', 'http://lexi:llm-s3cret@gpu-1:8008/v1,ftp://k:llm-s3cret@gpu-2/v1', 'http://lexi:***@gpu-1:8008/v1,ftp://k:***@gpu-2/v1'],
    ['LLM_BASE_URL', 'ftp://sk-llm-s3cret@gpu-1/v1', 'ftp://***@gpu-1/v1'],
    ['LLM_BASE_URL', 'ftp://gpu-1/v1?api_key=llm-s3cret', 'ftp://gpu-1/v1?api_key=[redacted]'],
  ])('%s that does not parse is shown with its credentials masked', (name, value, shownAs) => {
    const err = errorOf(() => loadEnv(Db, { [name]: value }))
    expect(err.message).not.toContain('s3cret')
    expect(err.issues[0]).toMatchObject({ name, received: shownAs })
  })
})
