import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createPool } from '@pulsetrade/db'
import { cacheKeyOf, createLlmClient, type LlmClientInstance } from '@pulsetrade/llm'
import { testDatabase } from '../../../test/db'
import {
  AnswerSchema,
  captureLogger,
  completion,
  healthPrompt,
  nestedError,
  renderedPrompt,
  sendJson,
  startServer,
  validAnswer,
  type TestServer,
} from './client-fixtures'

const db = await testDatabase()

let server: TestServer | undefined
let client: LlmClientInstance | undefined
let answer = validAnswer
beforeEach(async () => {
  await db.pool.query('TRUNCATE llm_cache, llm_calls')
  answer = validAnswer
  server = await startServer((r, res) => {
    const last = r.body?.messages?.at(-1)?.content ?? ''
    sendJson(res, 200, completion(/exactly OK/.test(last) ? 'OK' : answer))
  })
  client = createLlmClient({ baseURL: server.url, db: db.pool, timeoutMs: 2_000 })
})
afterEach(async () => {
  await client?.close()
  await server?.close()
})

const countRows = async (table: 'llm_cache' | 'llm_calls'): Promise<number> =>
  (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n ?? -1

describe('llm_cache', () => {
  test('a second identical deterministic call is served from Postgres with no upstream request', async () => {
    const c = client as LlmClientInstance
    const first = await c.structured(renderedPrompt(), AnswerSchema)
    const second = await c.structured(renderedPrompt(), AnswerSchema)
    expect(first.cached).toBe(false)
    expect(second).toMatchObject({ cached: true, ok: true, parsed: first.parsed, raw: first.raw, request_id: first.request_id })
    expect(server?.requests).toHaveLength(1)
    const row = (await db.pool.query('SELECT key, prompt, version, hash, hits, request, response FROM llm_cache')).rows[0]
    expect(row).toMatchObject({ prompt: 'policy', version: '1.0.0', hash: 'sha256:test', hits: 1 })
    expect(row.key).toMatch(/^[0-9a-f]{64}$/)
    expect(row.request).toMatchObject({
      mode: 'structured',
      model: 'Lexi',
      prompt_hash: 'sha256:test',
      sampling: { temperature: 0, top_p: 1, max_tokens: 200, seed: null },
    })
    expect(row.key).toBe(cacheKeyOf(row.request))
  })

  test('force reaches the upstream and overwrites the cached entry', async () => {
    const c = client as LlmClientInstance
    await c.structured(renderedPrompt(), AnswerSchema)
    answer = JSON.stringify({ decision: 'deny', score: 0.1 })
    const forced = await c.structured(renderedPrompt(), AnswerSchema, { force: true })
    expect(forced).toMatchObject({ cached: false, parsed: { decision: 'deny' } })
    expect(server?.requests).toHaveLength(2)
    const again = await c.structured(renderedPrompt(), AnswerSchema)
    expect(again).toMatchObject({ cached: true, parsed: { decision: 'deny', score: 0.1 } })
    expect(await countRows('llm_cache')).toBe(1)
  })

  test('a non-deterministic call (temperature > 0, no seed) is never cached', async () => {
    const c = client as LlmClientInstance
    const p = renderedPrompt({ sampling: { temperature: 0.7, top_p: 1, max_tokens: 200 } })
    expect((await c.structured(p, AnswerSchema)).cached).toBe(false)
    expect((await c.structured(p, AnswerSchema)).cached).toBe(false)
    expect(server?.requests).toHaveLength(2)
    expect(await countRows('llm_cache')).toBe(0)
  })

  test('a seeded call is deterministic and cached even at temperature > 0', async () => {
    const c = client as LlmClientInstance
    const p = renderedPrompt({ sampling: { temperature: 0.7, top_p: 1, max_tokens: 200, seed: 42 } })
    await c.structured(p, AnswerSchema)
    expect((await c.structured(p, AnswerSchema)).cached).toBe(true)
  })

  test('the key changes with the prompt hash and with any sampling field', async () => {
    const c = client as LlmClientInstance
    await c.structured(renderedPrompt(), AnswerSchema)
    await c.structured(renderedPrompt({ hash: 'sha256:other' }), AnswerSchema)
    await c.structured(renderedPrompt({ sampling: { temperature: 0, top_p: 0.9, max_tokens: 200 } }), AnswerSchema)
    expect(server?.requests).toHaveLength(3)
    expect(await countRows('llm_cache')).toBe(3)
  })

  test('invalid results are not cached', async () => {
    const c = client as LlmClientInstance
    answer = 'not json at all'
    const r = await c.structured(renderedPrompt(), AnswerSchema)
    expect(r.ok).toBe(false)
    expect(await countRows('llm_cache')).toBe(0)
  })

  test('deterministic chat() calls are cached too; cache:false opts out', async () => {
    const c = client as LlmClientInstance
    const req = { messages: [{ role: 'user' as const, content: 'hello' }], sampling: { temperature: 0, top_p: 1, max_tokens: 20 } }
    await c.chat(req)
    expect((await c.chat(req)).cached).toBe(true)
    expect((await c.chat(req, { cache: false })).cached).toBe(false)
    expect(server?.requests).toHaveLength(2)
  })

  test('health probes never use the cache', async () => {
    const c = client as LlmClientInstance
    expect((await c.health(healthPrompt())).ok).toBe(true)
    expect((await c.health(healthPrompt())).ok).toBe(true)
    expect(server?.requests).toHaveLength(2)
    expect(await countRows('llm_cache')).toBe(0)
  })
})

describe('llm_calls', () => {
  test('one row per upstream attempt, with attempt number, outcome, tokens and the request id sent', async () => {
    const flaky = await startServer((_r, res, n) => {
      if (n === 1) sendJson(res, 503, nestedError('busy', 503))
      else sendJson(res, 200, completion(validAnswer, { prompt_tokens: 40, completion_tokens: 9 }))
    })
    const c = createLlmClient({ baseURL: flaky.url, db: db.pool, timeoutMs: 2_000, retryBaseMs: 1, retryMaxMs: 2 })
    await c.structured(renderedPrompt({ arm: 'B', sampling: { temperature: 0.5, top_p: 1, max_tokens: 50 } }), AnswerSchema)
    await c.flush()
    const rows = (await db.pool.query('SELECT * FROM llm_calls ORDER BY attempt')).rows
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatchObject({
      prompt: 'policy',
      version: '1.0.0',
      arm: 'B',
      attempt: 1,
      ok: false,
      error_code: 'LLM_ERR_UPSTREAM',
      request_id: flaky.requests[0]?.headers['x-request-id'],
    })
    expect(rows[1]).toMatchObject({
      attempt: 2,
      ok: true,
      error_code: null,
      prompt_tokens: 40,
      completion_tokens: 9,
      request_id: flaky.requests[1]?.headers['x-request-id'],
    })
    expect(rows[1].upstream).toBe(new URL(flaky.url).host + '/v1')
    await c.close()
    await flaky.close()
  })

  test('a failed llm_calls write is logged and counted, never thrown into the call', async () => {
    const broken = createPool({ connectionString: db.url.replace(/\/[^/]+$/, '/no_such_database_x') })
    const cap = captureLogger()
    const c = createLlmClient({ baseURL: (server as TestServer).url, db: broken, logger: cap.logger, timeoutMs: 2_000 })
    const r = await c.structured(renderedPrompt({ sampling: { temperature: 0.5, top_p: 1, max_tokens: 50 } }), AnswerSchema)
    expect(r.ok).toBe(true)
    await c.flush()
    expect(cap.lines().some((l) => l.includes('llm_calls write failed'))).toBe(true)
    expect(await c.metrics.getSingleMetricAsString('llm_client_call_log_errors_total')).toMatch(/llm_client_call_log_errors_total 1/)
    await c.close()
    await broken.end()
  })
})
