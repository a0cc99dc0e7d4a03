import { beforeEach, expect, test } from 'vitest'
import type { Db } from '@pulsetrade/db'
import { createResponseCache, type CacheEntry } from '../src/client/response-cache'
import { testDatabase } from '../../../test/db'

const db = await testDatabase()

/** The pool, counting the statements sent through it. */
function counting(): { db: Db; statements: () => number } {
  let n = 0
  const query = ((...args: Parameters<Db['query']>) => {
    n++
    return (db.pool.query as (...a: unknown[]) => unknown)(...args)
  }) as Db['query']
  return { db: Object.assign(Object.create(db.pool) as Db, { query }), statements: () => n }
}

const entry = (key: string, response: unknown = { text: key }): CacheEntry => ({
  key,
  prompt: 'policy',
  version: '1.0.0',
  hash: 'sha256:test',
  response,
  request: {
    mode: 'chat',
    model: 'Lexi',
    messages: [],
    sampling: { temperature: 0, top_p: 1, max_tokens: 8, seed: null, stop: null },
    response_format: null,
    prompt_hash: null,
  },
})

beforeEach(async () => {
  await db.pool.query('TRUNCATE llm_cache')
})

test('64 concurrent writes then 64 concurrent reads take far fewer statements than calls, every entry stored and found', async () => {
  const c = counting()
  const cache = createResponseCache(c.db)
  const keys = Array.from({ length: 64 }, (_, i) => `k${i}`)
  await Promise.all(
    keys.map(async (k) => {
      await cache.put(entry(k))
    }),
  )
  const afterWrites = c.statements()
  expect(afterWrites).toBeLessThan(16)
  const got = await Promise.all(keys.map(async (k) => await cache.get(k)))
  expect(got).toEqual(keys.map((k) => ({ text: k })))
  expect(c.statements() - afterWrites).toBeLessThan(16)
  const rows = (await db.pool.query<{ n: number; hits: number }>('SELECT count(*)::int AS n, sum(hits)::int AS hits FROM llm_cache')).rows[0]
  expect(rows).toEqual({ n: 64, hits: 64 })
})

test('one key asked by several calls at once counts a hit per call; a missing key is null', async () => {
  const cache = createResponseCache(db.pool)
  await cache.put(entry('same'))
  const got = await Promise.all([...Array.from({ length: 5 }, async () => await cache.get('same')), cache.get('absent')])
  expect(got).toEqual([...Array.from({ length: 5 }, () => ({ text: 'same' })), null])
  expect((await db.pool.query('SELECT hits FROM llm_cache WHERE key = $1', ['same'])).rows[0]).toEqual({ hits: 5 })
})

test('the same key written twice in one batch keeps the later entry', async () => {
  const cache = createResponseCache(db.pool)
  await Promise.all([cache.put(entry('first-in-flight')), cache.put(entry('dup', { v: 1 })), cache.put(entry('dup', { v: 2 }))])
  expect((await db.pool.query('SELECT response FROM llm_cache WHERE key = $1', ['dup'])).rows[0]).toEqual({ response: { v: 2 } })
})

test('an entry Postgres refuses (NUL in jsonb) fails alone; the rest of its batch is stored', async () => {
  const cache = createResponseCache(db.pool)
  const results = await Promise.allSettled([
    cache.put(entry('first-in-flight')),
    cache.put(entry('ok-1')),
    cache.put(entry('bad', { text: 'a\u0000b' })),
    cache.put(entry('ok-2')),
  ])
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
  expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/\\u0000|unicode|Unicode/)
  const keys = (await db.pool.query<{ key: string }>('SELECT key FROM llm_cache ORDER BY key')).rows.map((r) => r.key)
  expect(keys).toEqual(['first-in-flight', 'ok-1', 'ok-2'])
})
