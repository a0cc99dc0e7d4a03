import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import { Registry } from 'prom-client'
import { afterAll, expect, test } from 'vitest'
import { z } from 'zod'
import { configureApp, openApiOptions, openApiRoute, opsRoutes } from '@pulsetrade/http'

const app = Fastify()
configureApp(app, { registry: new Registry() })
await app.register(swagger, openApiOptions({ title: 'test', version: '1.2.3', bearerAuth: true }))
app.register(openApiRoute)
app.register(opsRoutes, { registries: [] })
app.register(async (scope) => {
  scope.post(
    '/things',
    {
      schema: {
        body: z.strictObject({ name: z.string().min(1), size: z.number().default(1) }),
        querystring: z.object({ dry: z.enum(['0', '1']).optional() }),
        response: { 201: z.object({ id: z.number().int() }) },
      },
    },
    async (_req, reply) => reply.code(201).send({ id: 1 }),
  )
})
afterAll(async () => {
  await app.close()
})

test('GET /docs/json serves an OpenAPI document built from the zod route schemas', async () => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  expect(res.statusCode).toBe(200)
  const doc = res.json()
  expect(doc.openapi).toBe('3.0.3')
  expect(doc.info).toMatchObject({ title: 'test', version: '1.2.3' })
  expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' })
  const op = doc.paths['/things'].post
  const body = op.requestBody.content['application/json'].schema
  expect(body.properties.name).toMatchObject({ type: 'string', minLength: 1 })
  expect(body.required).toEqual(['name'])
  expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'query', name: 'dry' })]))
  expect(op.responses['201'].content['application/json'].schema.properties.id.type).toBe('integer')
  expect(doc.paths['/healthz']).toBeDefined()
  expect(doc.paths['/docs/json']).toBeUndefined()
})
