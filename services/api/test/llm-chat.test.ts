import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../test/db'
import { freePort } from '@pulsetrade/http/testing'
import { chatAuth, useSimApps } from './build-test-app'

const db = await testDatabase()
const t = useSimApps(db)
const app = t.app.bind(t)
const shared = () => app({ CHAT_RATE_LIMIT_PER_MIN: '1000' })
const chat = (a: ReturnType<typeof app>, payload: unknown) => a.inject({ method: 'POST', url: '/llm/chat', headers: chatAuth, payload: payload as object })

describe('POST /llm/chat', () => {
  test('answers messages with the text, usage and the chat prompt version used', async () => {
    const res = await chat(shared(), { messages: [{ role: 'user', content: 'Explain RSI in one line.' }], temperature: 0, max_tokens: 40 })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.text.length).toBeGreaterThan(0)
    expect(body).toMatchObject({ model: 'Lexi', cached: false, prompt: { name: 'chat' } })
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(40)
  })

  test('accepts a bare prompt', async () => {
    const res = await chat(shared(), { prompt: 'Reply with exactly OK' })
    expect(res.statusCode).toBe(200)
    expect(res.json().text).toBe('OK')
  })

  test('streams SSE frames ending in [DONE]', async () => {
    const res = await chat(shared(), { prompt: 'Tell me about volatility.', max_tokens: 30, stream: true })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/event-stream')
    const frames = res.body.split('\n\n').filter(Boolean)
    expect(frames.at(-1)).toBe('data: [DONE]')
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.replace(/^data: /, '')))
    expect(chunks.map((c) => c.delta).join('').length).toBeGreaterThan(0)
    expect(chunks.at(-1).finish_reason).toMatch(/stop|length/)
  })

  test('an upstream failure mid-stream ends the stream with an error event instead of [DONE]', async () => {
    t.sim.setFaults({ stream_error: 1 })
    const res = await chat(shared(), { prompt: 'Tell me about volatility.', max_tokens: 30, stream: true })
    expect(res.statusCode).toBe(200)
    const frames = res.body.split('\n\n').filter(Boolean)
    expect(frames.length).toBeGreaterThan(1)
    expect(frames.at(-1)).toMatch(/^event: error\ndata: \{"code":"LLM_ERR_/)
    expect(res.body).not.toContain('[DONE]')
  })

  test('a context overflow is a 400 naming the limit', async () => {
    const res = await chat(app({ CHAT_RATE_LIMIT_PER_MIN: '1000', LLM_MAX_OUTPUT_TOKENS: '4000' }), { prompt: 'word '.repeat(3000), max_tokens: 3000 })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toMatch(/^LLM_ERR_(CONTEXT_LENGTH|PROMPT_TOO_LONG)$/)
    expect(res.json().message).toContain('4096')
  })

  test('more characters than CHAT_MAX_CHARS is a 413 naming the limit', async () => {
    const res = await chat(app({ CHAT_MAX_CHARS: '100' }), {
      messages: [
        { role: 'user', content: 'x'.repeat(60) },
        { role: 'user', content: 'y'.repeat(60) },
      ],
    })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'API_ERR_PAYLOAD_TOO_LARGE', limit: 100 })
    expect(res.json().message).toContain('CHAT_MAX_CHARS')
    expect(t.sim.stats().requests).toBe(0)
  })

  test('more messages than CHAT_MAX_MESSAGES is a 400 naming the field and the limit', async () => {
    const messages = Array.from({ length: 4 }, () => ({ role: 'user', content: 'hi' }))
    const res = await chat(app({ CHAT_MAX_MESSAGES: '3' }), { messages })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/^body\.messages: .*<=3/)
  })

  test('a body over HTTP_BODY_LIMIT is a 413 naming the limit in bytes', async () => {
    const res = await chat(app({ HTTP_BODY_LIMIT: '2048' }), { prompt: 'z'.repeat(5000) })
    expect(res.statusCode).toBe(413)
    expect(res.json().message).toBe('request body exceeds the limit of 2048 bytes')
  })

  test('the per-token rate limit answers 429 with Retry-After', async () => {
    const a = app({ CHAT_RATE_LIMIT_PER_MIN: '2' })
    const codes = []
    for (let i = 0; i < 3; i++) codes.push(await chat(a, { prompt: 'Reply with exactly OK' }))
    expect(codes.map((r) => r.statusCode)).toEqual([200, 200, 429])
    const limited = codes[2]!
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(limited.json()).toMatchObject({ code: 'API_ERR_RATE_LIMITED' })
    expect(limited.json().message).toContain('2 chat requests per minute')
  })

  test('an unreachable Lexi is a 502 naming the cause', async () => {
    const res = await chat(app({ LLM_MAX_RETRIES: '0' }, `http://127.0.0.1:${await freePort()}/v1`), { prompt: 'hi' })
    expect(res.statusCode).toBe(502)
    expect(res.json()).toMatchObject({ code: 'LLM_ERR_UNREACHABLE' })
    expect(res.json().message).toContain('ECONNREFUSED')
  })
})

describe('POST /llm/chat streaming over a real socket', () => {
  let slow: LexiSim
  beforeAll(async () => {
    slow = await startLexiSim({ port: 0, itlBaseMs: 20, itlPerSeqMs: 0, jitterSigma: 0, textTokens: [400, 400] })
  })
  afterAll(async () => {
    await slow.close()
  })

  test('a client that goes away mid-stream aborts the upstream request', async () => {
    const a = app({}, `${slow.url}/v1`)
    await a.listen({ port: 0, host: '127.0.0.1' })
    const { port } = a.server.address() as { port: number }
    const firstFrame = await new Promise<string>((resolve, reject) => {
      const req = request(
        { port, host: '127.0.0.1', method: 'POST', path: '/llm/chat', headers: { 'content-type': 'application/json', ...chatAuth } },
        (res) => {
          res.once('data', (chunk: Buffer) => {
            req.destroy()
            resolve(chunk.toString())
          })
        },
      )
      req.on('error', () => {})
      setTimeout(() => reject(new Error('no frame within 3 s')), 3000).unref()
      req.end(JSON.stringify({ prompt: 'Write a long essay.', max_tokens: 400, stream: true }))
    })
    expect(firstFrame).toMatch(/^data: /)
    const deadline = Date.now() + 2000
    while (slow.stats().aborted === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(slow.stats()).toMatchObject({ aborted: 1, running: 0, completed: 0 })
  })
})
