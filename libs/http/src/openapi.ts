import type { FastifyInstance, FastifySchema } from 'fastify'
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import { z } from 'zod'

const isZod = (s: unknown): s is z.ZodType => typeof (s as { safeParse?: unknown } | null)?.safeParse === 'function'

function toJson(schema: unknown, io: 'input' | 'output'): unknown {
  if (!isZod(schema)) return schema
  const json = z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any' }) as Record<string, unknown>
  delete json.$schema
  return json
}

/** Route schemas written in zod, as JSON Schema for the OpenAPI document (requests as input, replies as output). */
export function zodOpenApiTransform({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  if (schema == null) return { schema, url }
  const out: Record<string, unknown> = { ...schema }
  for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
    if (part in schema) out[part] = toJson(schema[part], 'input')
  }
  if (schema.response != null && typeof schema.response === 'object') {
    out.response = Object.fromEntries(Object.entries(schema.response).map(([status, s]) => [status, toJson(s, 'output')]))
  }
  return { schema: out as FastifySchema, url }
}

export interface OpenApiInfo {
  title: string
  version: string
  description?: string
  bearerAuth?: boolean
}

/** Options for `app.register(swagger, openApiOptions({...}))` (@fastify/swagger, dynamic mode). */
export function openApiOptions(info: OpenApiInfo): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: { title: info.title, version: info.version, ...(info.description === undefined ? {} : { description: info.description }) },
      ...(info.bearerAuth === true
        ? { components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } }, security: [{ bearerAuth: [] }] }
        : {}),
    },
    transform: zodOpenApiTransform,
  }
}

/** GET /docs/json: the OpenAPI document (needs @fastify/swagger registered on a parent). */
export async function openApiRoute(app: FastifyInstance): Promise<void> {
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger())
}
