import fc from 'fast-check'
import type { FastifyInstance, FastifySchema } from 'fastify'
import { zodOpenApiTransform } from '@pulsetrade/http'
import { requestArbitrary, type FuzzRequest, type FuzzRoute } from './fuzz-requests'
import type { JsonSchema } from './schema-arbitrary'

export interface FuzzFailure {
  request: FuzzRequest
  status: number | null
  body: string
}
export interface RouteReport {
  route: string
  requests: number
  ms: number
  statuses: Record<string, number>
  failures: FuzzFailure[]
}

export interface FuzzOptions {
  /** Requests per route. */
  runs: number
  seed: number
  /** Headers every request carries (e.g. a bearer token, sometimes wrong). */
  headers?: fc.Arbitrary<Record<string, string>>
  /** Requests in flight at once per route. @default 8 */
  concurrency?: number
}

/**
 * Records the request schemas of every route registered from now on. Call right after buildApp,
 * before ready(): routes declared inside plugins are registered at ready.
 */
export function captureSchemas(app: FastifyInstance): Map<string, FuzzRoute> {
  const schemas = new Map<string, FuzzRoute>()
  app.addHook('onRoute', (r) => {
    const json = r.schema
      ? (zodOpenApiTransform({ schema: r.schema as FastifySchema, url: r.url }).schema as { body?: JsonSchema; querystring?: JsonSchema })
      : {}
    for (const method of [r.method].flat()) schemas.set(`${method} ${r.url}`, { method, url: r.url, body: json.body, querystring: json.querystring })
  })
  return schemas
}

/** Every route of a ready app (HEAD and OPTIONS left out), from fastify's own route table. */
export function listRoutes(app: FastifyInstance): Array<{ method: string; url: string }> {
  const out: Array<{ method: string; url: string }> = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /(\/\S*) \(([A-Z, ]+)\)/.exec(line)
    if (!m) continue
    for (const method of (m[2] ?? '').split(', ')) if (method !== 'HEAD' && method !== 'OPTIONS') out.push({ method, url: m[1] ?? '' })
  }
  return out
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T)
    }),
  )
}

/**
 * Sends `runs` generated requests (fast-check, seeded) to every route of the app through inject()
 * and reports, per route, the status counts and every request answered with a 5xx or not answered.
 */
export async function fuzzApp(app: FastifyInstance, schemas: Map<string, FuzzRoute>, o: FuzzOptions): Promise<RouteReport[]> {
  await app.ready()
  const reports: RouteReport[] = []
  for (const { method, url } of listRoutes(app)) {
    const route = schemas.get(`${method} ${url}`) ?? { method, url }
    const requests = fc.sample(requestArbitrary(route, o.headers), { numRuns: o.runs, seed: o.seed })
    const report: RouteReport = { route: `${method} ${url}`, requests: 0, ms: 0, statuses: {}, failures: [] }
    const started = performance.now()
    await pool(requests, o.concurrency ?? 8, async (request) => {
      report.requests++
      try {
        const res = await app.inject({
          method: request.method as 'GET',
          url: request.url,
          headers: request.headers,
          ...(request.payload === undefined ? {} : { payload: request.payload }),
        })
        report.statuses[res.statusCode] = (report.statuses[res.statusCode] ?? 0) + 1
        if (res.statusCode >= 500) report.failures.push({ request, status: res.statusCode, body: res.body.slice(0, 500) })
      } catch (err) {
        report.failures.push({ request, status: null, body: String((err as Error)?.stack ?? err) })
      }
    })
    report.ms = Math.round(performance.now() - started)
    reports.push(report)
  }
  return reports
}
