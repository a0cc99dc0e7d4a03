import { afterAll, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { freePort } from '@pulsetrade/http/testing'
import { buildTestApp } from './build-test-app'

const db = await testDatabase()
const { app } = buildTestApp(db, `http://127.0.0.1:${await freePort()}/v1`)
afterAll(async () => {
  await app.close()
})

/** [case, url, text the 400 message must contain] */
const CASES: Array<[string, string, string]> = [
  ['limit zero', '/analytics/recent?limit=0', 'query.limit'],
  ['limit not a number', '/analytics/recent?limit=abc', 'query.limit'],
  ['limit fractional', '/analytics/recent?limit=1.5', 'query.limit'],
  ['limit too large', '/analytics/recent?limit=1000', 'query.limit'],
  ['limit empty', '/analytics/recent?limit=', 'query.limit'],
  ['symbol with spaces', '/analytics/recent?symbol=bad%20sym!', 'query.symbol'],
  ['symbol empty', '/analytics/recent?symbol=', 'query.symbol'],
  ['symbol too long', `/analytics/recent?symbol=${'A'.repeat(40)}`, 'query.symbol'],
  ['repeated symbol', '/analytics/recent?symbol=A&symbol=B', 'query.symbol'],
  ['unknown parameter', '/analytics/recent?limt=5', 'query.limt: unknown field'],
  ['window unit unknown', '/analytics/llm?window=5x', 'query.window'],
  ['window zero', '/analytics/llm?window=0h', 'query.window'],
  ['window beyond 90 days', '/analytics/llm?window=91d', 'query.window: window is at most 90d'],
  ['window words', '/analytics/llm?window=yesterday', 'query.window'],
  ['unknown stats parameter', '/analytics/llm?since=2020', 'query.since: unknown field'],
]

test.each(CASES)('GET rejects %s with 400 naming the field', async (_name, url, text) => {
  const res = await app.inject({ method: 'GET', url })
  expect(res.statusCode).toBe(400)
  expect(res.json()).toMatchObject({ code: 'API_ERR_VALIDATION' })
  expect(res.json().message).toContain(text)
})
