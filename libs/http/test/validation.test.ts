import Fastify from 'fastify'
import { Registry } from 'prom-client'
import { afterAll, describe, expect, test } from 'vitest'
import { z } from 'zod'
import { configureApp, type ZodTypeProvider } from '@pulsetrade/http'

const Body = z.strictObject({
  messages: z.array(z.strictObject({ role: z.enum(['user', 'system']), content: z.string().max(10) })).min(1),
  temperature: z.number().min(0).max(2).optional(),
})
const Query = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) })

const app = Fastify({ bodyLimit: 200 }).withTypeProvider<ZodTypeProvider>()
configureApp(app, { registry: new Registry() })
app.post('/echo', { schema: { body: Body, querystring: Query } }, async (req) => ({ n: req.body.messages.length, limit: req.query.limit }))
app.get('/user', { schema: { response: { 200: z.object({ name: z.string() }) } } }, async () => ({ name: 'ada', secret: 'x' }))
app.get('/broken-reply', { schema: { response: { 200: z.object({ name: z.string() }) } } }, async () => ({ name: 42 }) as unknown as { name: string })
afterAll(async () => {
  await app.close()
})

const post = (payload: unknown, url = '/echo') => app.inject({ method: 'POST', url, payload: payload as object })

describe('zod validation', () => {
  test('accepts a valid body and coerces the query', async () => {
    const res = await post({ messages: [{ role: 'user', content: 'hi' }] }, '/echo?limit=5')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ n: 1, limit: 5 })
  })

  test('names the nested field with its expected type', async () => {
    const res = await post({ messages: [{ role: 'user', content: 3 }] })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'Bad Request', code: 'API_ERR_VALIDATION' })
    expect(res.json().message).toContain('body.messages[0].content: expected string')
  })

  test('names a missing required field', async () => {
    const res = await post({})
    expect(res.json().message).toBe('body.messages: required, expected array')
  })

  test('names an unknown field', async () => {
    const res = await post({ messages: [{ role: 'user', content: 'a' }], temprature: 1 })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toBe('body.temprature: unknown field')
  })

  test('names an out-of-range number and a bad enum', async () => {
    const res = await post({ messages: [{ role: 'bot', content: 'a' }], temperature: 9 })
    expect(res.json().issues).toHaveLength(2)
    expect(res.json().message).toMatch(/body\.messages\[0\]\.role: .*"user"/)
    expect(res.json().message).toMatch(/body\.temperature: Too big/)
  })

  test('a missing body is named as the body', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo' })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/^body: expected object/)
  })

  test('names the query parameter', async () => {
    const res = await post({ messages: [{ role: 'user', content: 'a' }] }, '/echo?limit=500')
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/^query\.limit: Too big/)
  })

  test('malformed JSON is a 400, not a 500', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"messages": [' })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toMatch(/^FST_ERR/)
  })

  test('a body over the limit is a 413 naming the limit', async () => {
    const res = await post({ messages: [{ role: 'user', content: 'x'.repeat(500) }] })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'API_ERR_PAYLOAD_TOO_LARGE', limit: 200 })
    expect(res.json().message).toContain('200 bytes')
  })

  test('replies drop fields not in the response schema', async () => {
    const res = await app.inject({ method: 'GET', url: '/user' })
    expect(res.json()).toEqual({ name: 'ada' })
  })

  test('a reply breaking its own schema is a masked 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/broken-reply' })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: 'Internal Server Error', code: 'API_ERR_INTERNAL', message: 'Internal Server Error' })
  })

  test('unknown routes answer a JSON 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ error: 'Not Found', code: 'API_ERR_NOT_FOUND', message: 'route GET /nope not found' })
  })
})
