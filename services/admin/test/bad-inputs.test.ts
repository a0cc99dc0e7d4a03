import { afterAll, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { auth, buildTestApp } from './build-test-app'

const db = await testDatabase()
const { app } = buildTestApp(db, 'http://127.0.0.1:1/v1', { ENABLE_PANIC_EXIT: '1', HTTP_BODY_LIMIT: '4096' })
afterAll(async () => {
  await app.close()
})

/** [case, method, url, body, text the 400 message must contain] */
const CASES: Array<[string, 'GET' | 'POST', string, unknown, string]> = [
  ['replay without body', 'POST', '/llm/admin/replay', undefined, 'body'],
  ['replay without id', 'POST', '/llm/admin/replay', {}, 'body.id: required'],
  ['replay id string', 'POST', '/llm/admin/replay', { id: 'x' }, 'body.id'],
  ['replay id numeric string', 'POST', '/llm/admin/replay', { id: '7' }, 'body.id'],
  ['replay id negative', 'POST', '/llm/admin/replay', { id: -1 }, 'body.id'],
  ['replay id fractional', 'POST', '/llm/admin/replay', { id: 1.5 }, 'body.id'],
  ['replay force not boolean', 'POST', '/llm/admin/replay', { id: 1, force: 'yes' }, 'body.force'],
  ['replay prompt not replayable', 'POST', '/llm/admin/replay', { id: 1, prompt: 'summary' }, 'body.prompt'],
  ['replay version malformed', 'POST', '/llm/admin/replay', { id: 1, prompt: 'policy', version: 'v1' }, 'body.version'],
  ['replay version without prompt', 'POST', '/llm/admin/replay', { id: 1, version: '1.0.0' }, 'body.version: needs "prompt"'],
  ['replay unknown field', 'POST', '/llm/admin/replay', { id: 1, dry: true }, 'body.dry: unknown field'],
  ['panic without reason', 'POST', '/strategist/panic-exit', {}, 'body.reason'],
  ['panic blank reason', 'POST', '/strategist/panic-exit', { reason: '   ' }, 'body.reason'],
  ['panic reason too long', 'POST', '/strategist/panic-exit', { reason: 'x'.repeat(501) }, 'body.reason'],
  ['panic reason not a string', 'POST', '/strategist/panic-exit', { reason: ['a'] }, 'body.reason'],
  ['resume reason number', 'POST', '/strategist/resume', { reason: 5 }, 'body.reason'],
  ['resume unknown field', 'POST', '/strategist/resume', { reason: 'back to normal', state: 'ACTIVE' }, 'body.state: unknown field'],
  ['shadow since not a date', 'GET', '/llm/admin/shadow-report?since=yesterday', undefined, 'query.since'],
  ['shadow unknown parameter', 'GET', '/llm/admin/shadow-report?until=2020-01-01T00:00:00Z', undefined, 'query.until: unknown field'],
]

test.each(CASES)('%s is a 400 naming the field', async (_name, method, url, body, text) => {
  const res = await app.inject({ method, url, headers: auth, ...(body === undefined ? {} : { payload: body as object }) })
  expect(res.statusCode).toBe(400)
  expect(res.json().message).toContain(text)
})

test('a body over HTTP_BODY_LIMIT is a 413 naming the limit', async () => {
  const res = await app.inject({ method: 'POST', url: '/strategist/panic-exit', headers: auth, payload: { reason: 'x'.repeat(5000) } })
  expect(res.statusCode).toBe(413)
  expect(res.json().message).toBe('request body exceeds the limit of 4096 bytes')
})

test('no rejected request changed the trading state', async () => {
  expect((await db.pool.query('SELECT state FROM trading_state')).rows[0].state).toBe('ACTIVE')
})
