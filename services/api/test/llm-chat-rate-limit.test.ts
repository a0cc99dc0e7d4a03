import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { buildTestApp, chatAuth } from './build-test-app'

/**
 * An upstream that rate-limits (429, vLLM behind a proxy or a hosted endpoint does): /llm/chat
 * answers 503 with Retry-After (the upstream's wait when it sent one, else the error table's),
 * for plain and streamed chats alike.
 */
const db = await testDatabase()
let retryAfter: string | null = '3'
let hits = 0
const upstream = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    hits++
    res.writeHead(429, { 'content-type': 'application/json', ...(retryAfter === null ? {} : { 'retry-after': retryAfter }) })
    res.end(JSON.stringify({ error: { message: 'Too many requests, slow down.', type: 'RateLimitError', param: null, code: 429 } }))
  })
})
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
const baseURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`
// No retries: the 429 reaches the caller at once (a retry would wait the Retry-After first).
const { app } = buildTestApp(db, baseURL, { CHAT_RATE_LIMIT_PER_MIN: '1000', LLM_MAX_RETRIES: '0' })
afterAll(async () => {
  await app.close()
  upstream.closeAllConnections()
  await new Promise((resolve) => upstream.close(resolve))
})
const chat = (payload: object) => app.inject({ method: 'POST', url: '/llm/chat', headers: chatAuth, payload })

test("LLM_ERR_RATE_LIMIT is 503 with the upstream's Retry-After", async () => {
  retryAfter = '3'
  const res = await chat({ prompt: 'Explain RSI in one line.' })
  expect(res.statusCode).toBe(503)
  expect(res.headers['retry-after']).toBe('3')
  expect(res.json()).toMatchObject({ code: 'LLM_ERR_RATE_LIMIT', message: expect.stringContaining('Too many requests, slow down.') })
  expect(hits).toBeGreaterThan(0)
})

test("without a Retry-After from the upstream the table's wait is sent", async () => {
  retryAfter = null
  const res = await chat({ prompt: 'Explain RSI in one line.' })
  expect(res.statusCode).toBe(503)
  expect(res.headers['retry-after']).toBe('1')
})

test('a stream refused before its first token gets the same 503 and Retry-After', async () => {
  retryAfter = '2'
  const res = await chat({ prompt: 'Tell me about volatility.', stream: true })
  expect(res.statusCode).toBe(503)
  expect(res.headers['retry-after']).toBe('2')
  expect(res.json()).toMatchObject({ code: 'LLM_ERR_RATE_LIMIT' })
})
