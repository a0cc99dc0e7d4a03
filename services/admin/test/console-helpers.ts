import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'

export const SESSION_COOKIE = 'pt_session'

export interface Login {
  /** `pt_session=<id>`, as a browser sends it back. */
  cookie: string
  csrf: string
  actor: string
  /** The raw Set-Cookie header of the login. */
  setCookie: string
}

/** POST /console/session with `token`; expects 200 and returns the cookie and CSRF token. */
export async function login(app: FastifyInstance, token: string): Promise<Login> {
  const res = await app.inject({ method: 'POST', url: '/console/session', payload: { token } })
  expect(res.statusCode, res.body).toBe(200)
  const raw = res.headers['set-cookie']
  const setCookie = Array.isArray(raw) ? raw.find((c) => c.startsWith(`${SESSION_COOKIE}=`))! : raw!
  const cookie = setCookie.split(';')[0]!
  const body = res.json<{ actor: string; csrf: string }>()
  return { cookie, csrf: body.csrf, actor: body.actor, setCookie }
}

export interface RouteRef {
  method: string
  /** As OpenAPI writes it (`/llm/admin/decisions/{id}`). */
  path: string
  /** With each path parameter replaced by 1. */
  url: string
}

/** Routes that are open on purpose: ops probes, the OpenAPI document, the login itself. */
const OPEN = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /docs/json', 'POST /console/session'])

/**
 * Every JSON route of the app's OpenAPI document except the open ones: a route added later is in
 * this list without anyone remembering to add it to a test.
 */
export async function securedRoutes(app: FastifyInstance): Promise<RouteRef[]> {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths?: Record<string, Record<string, unknown>> }>()
  const out: RouteRef[] = []
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(ops)) {
      const m = method.toUpperCase()
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(m) || OPEN.has(`${m} ${path}`)) continue
      out.push({ method: m, path, url: path.replace(/\{[^}]+\}/g, '1') })
    }
  }
  return out
}

export const isStateChanging = (method: string): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(method)
