import Fastify from 'fastify'
import { Registry } from 'prom-client'
import { afterAll, describe, expect, test } from 'vitest'
import { actorOf, bearerAuth, configureApp, tokenFingerprint } from '@pulsetrade/http'

const TOKEN = 'correct-horse-battery-staple'
const app = Fastify()
configureApp(app, { registry: new Registry() })
app.register(async (scope) => {
  scope.addHook('preHandler', bearerAuth(TOKEN))
  scope.get('/secret', async (req) => ({ actor: actorOf(req) }))
})
afterAll(async () => {
  await app.close()
})
const get = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/secret', headers })

describe('bearerAuth', () => {
  test.each([
    ['no header', {}],
    ['wrong token of the same length', { authorization: `Bearer ${'x'.repeat(TOKEN.length)}` }],
    ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, 5)}` }],
    ['the token plus a suffix', { authorization: `Bearer ${TOKEN}x` }],
    ['basic scheme', { authorization: `Basic ${TOKEN}` }],
    ['bare token', { authorization: TOKEN }],
  ])('rejects %s with 401', async (_name, headers) => {
    const res = await get(headers)
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
    expect(res.json()).toMatchObject({ code: 'API_ERR_UNAUTHORIZED' })
  })

  test('accepts the token and records its fingerprint as the actor', async () => {
    const res = await get({ authorization: `Bearer ${TOKEN}` })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ actor: tokenFingerprint(TOKEN) })
    expect(res.body).not.toContain(TOKEN)
  })

  test('the actor comes from the token, never from an X-Actor header the caller chooses (issue 15)', async () => {
    expect((await get({ authorization: `Bearer ${TOKEN}`, 'x-actor': 'ops.alice' })).json()).toEqual({ actor: tokenFingerprint(TOKEN) })
    expect((await get({ authorization: `Bearer ${TOKEN}`, 'x-actor': 'a\nb {}' })).json()).toEqual({ actor: tokenFingerprint(TOKEN) })
  })
})
