import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { z } from 'zod'

/** One dependency /readyz asks. `optional` checks are reported but never make the service unready. */
export interface ReadinessCheck {
  name: string
  /** Resolves when the dependency answers; a `{ detail }` it resolves with is shown in /readyz. */
  check: (signal: AbortSignal) => Promise<unknown>
  optional?: boolean
  /** @default 2000 */
  timeoutMs?: number
}

export interface OpsRoutesOptions {
  checks?: ReadinessCheck[]
  /** Every registry /metrics prints (the app's own, the LLM client's, ...). */
  registries: Registry[]
}

const CheckResult = z.object({ ok: z.boolean(), optional: z.boolean(), latency_ms: z.number(), detail: z.string().optional(), error: z.string().optional() })

const detailOf = (v: unknown): { detail?: string } => {
  const d = (v as { detail?: unknown } | null | undefined)?.detail
  return typeof d === 'string' && d !== '' ? { detail: d } : {}
}
const ReadyBody = z.object({ ok: z.boolean(), checks: z.record(z.string(), CheckResult) })

async function runCheck(c: ReadinessCheck): Promise<z.infer<typeof CheckResult>> {
  const started = performance.now()
  const timeoutMs = c.timeoutMs ?? 2000
  const ctl = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      ctl.abort()
      reject(new Error(`timeout after ${timeoutMs} ms`))
    }, timeoutMs)
  })
  const optional = c.optional ?? false
  try {
    const value = await Promise.race([c.check(ctl.signal), timeout])
    return { ok: true, optional, latency_ms: Math.round(performance.now() - started), ...detailOf(value) }
  } catch (err) {
    return { ok: false, optional, latency_ms: Math.round(performance.now() - started), error: (err as Error).message || String(err) }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * GET /healthz (alive), GET /readyz (each check; 503 when a required one fails) and GET /metrics
 * (Prometheus text of every given registry). Register at the root: `app.register(opsRoutes, {...})`.
 */
export async function opsRoutes(app: FastifyInstance, opts: OpsRoutesOptions): Promise<void> {
  const checks = opts.checks ?? []
  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: z.object({ ok: z.literal(true) }) } } }, async () => ({ ok: true as const }))

  app.get('/readyz', { schema: { tags: ['ops'], response: { 200: ReadyBody, 503: ReadyBody } } }, async (_req, reply) => {
    const results = await Promise.all(checks.map(runCheck))
    const out: Record<string, z.infer<typeof CheckResult>> = {}
    checks.forEach((c, i) => {
      out[c.name] = results[i]!
    })
    const ok = results.every((r) => r.ok || r.optional)
    return reply.code(ok ? 200 : 503).send({ ok, checks: out })
  })

  app.get('/metrics', { schema: { tags: ['ops'], hide: true } }, async (_req, reply) => {
    const texts = await Promise.all(opts.registries.map((r) => r.metrics()))
    const type = opts.registries[0]?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8'
    return reply.type(type).send(texts.filter((t) => t.trim() !== '').join('\n'))
  })
}
