import { afterAll, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { freePort } from '@pulsetrade/http/testing'
import { buildTestApp, chatAuth } from './build-test-app'

const db = await testDatabase()
// Nothing listens upstream: a malformed request must be refused before any LLM call.
const { app } = buildTestApp(db, `http://127.0.0.1:${await freePort()}/v1`, { CHAT_RATE_LIMIT_PER_MIN: '1000' })
afterAll(async () => {
  await app.close()
})

const msg = (m: object) => ({ messages: [{ role: 'user', content: 'hi', ...m }] })

/** [case, body (object, or a raw string sent as JSON), status, text the message must contain] */
const CASES: Array<[string, unknown, number, string]> = [
  ['no body', undefined, 400, 'body'],
  ['empty object', {}, 400, 'body.messages'],
  ['messages and prompt', { prompt: 'a', ...msg({}) }, 400, 'body.messages'],
  ['empty messages', { messages: [] }, 400, 'body.messages'],
  ['messages not an array', { messages: 'hi' }, 400, 'body.messages'],
  ['unknown role', msg({ role: 'bot' }), 400, 'body.messages[0].role'],
  ['numeric content', msg({ content: 3 }), 400, 'body.messages[0].content: expected string'],
  ['empty content', msg({ content: '' }), 400, 'body.messages[0].content'],
  ['extra message field', msg({ name: 'x' }), 400, 'body.messages[0].name'],
  ['numeric prompt', { prompt: 5 }, 400, 'body.prompt'],
  ['temperature string', { prompt: 'a', temperature: 'hot' }, 400, 'body.temperature'],
  ['temperature too high', { prompt: 'a', temperature: 3 }, 400, 'body.temperature'],
  ['max_tokens zero', { prompt: 'a', max_tokens: 0 }, 400, 'body.max_tokens'],
  ['max_tokens fractional', { prompt: 'a', max_tokens: 1.5 }, 400, 'body.max_tokens'],
  ['max_tokens beyond the context', { prompt: 'a', max_tokens: 100_000 }, 400, 'body.max_tokens'],
  ['top_p zero', { prompt: 'a', top_p: 0 }, 400, 'body.top_p'],
  ['stream not boolean', { prompt: 'a', stream: 'yes' }, 400, 'body.stream'],
  ['unknown field', { prompt: 'a', model: 'gpt' }, 400, 'body.model: unknown field'],
  ['array body', [], 400, 'body'],
  ['null body', 'null', 400, 'body'],
  ['broken JSON', '{"prompt": ', 400, 'JSON'],
]

test.each(CASES)('POST /llm/chat rejects %s with %i naming the field', async (_name, body, status, text) => {
  const res = await app.inject({
    method: 'POST',
    url: '/llm/chat',
    headers: { ...chatAuth, ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}) },
    ...(body === undefined ? {} : { payload: body as string | object }),
  })
  expect(res.statusCode).toBe(status)
  expect(res.json().message).toContain(text)
})

test('a text/plain body is refused as not an object, not a 5xx', async () => {
  const res = await app.inject({ method: 'POST', url: '/llm/chat', payload: 'hello', headers: { ...chatAuth, 'content-type': 'text/plain' } })
  expect(res.statusCode).toBe(400)
  expect(res.json().message).toBe('body: expected object, received string')
})

test('an unknown content type is a 415, not a 5xx', async () => {
  const res = await app.inject({ method: 'POST', url: '/llm/chat', payload: '<a/>', headers: { ...chatAuth, 'content-type': 'application/xml' } })
  expect(res.statusCode).toBe(415)
})

test('GET /llm/health takes no input: unknown query parameters are ignored, never a 5xx', async () => {
  const res = await app.inject({ method: 'GET', url: '/llm/health?x=%00%ff&y[]=1' })
  expect(res.statusCode).toBe(503)
  expect(res.json().ok).toBe(false)
})
