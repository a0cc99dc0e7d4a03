import type { FastifyInstance } from 'fastify'
import { Gauge, type Registry } from 'prom-client'
import { z } from 'zod'
import type { ZodTypeProvider } from '@pulsetrade/http'
import type { HealthProbe } from '@pulsetrade/llm'

export const HealthBody = z.object({
  ok: z.boolean(),
  /** ok, saturated (busy but answering: still ok) or down. */
  state: z.enum(['ok', 'saturated', 'down']),
  cached: z.boolean(),
  model: z.string(),
  latency_ms: z.number(),
  checked_at: z.string(),
  age_ms: z.number(),
  /** This process's LLM queue: slots held and callers waiting. */
  queue: z.object({ in_flight: z.number(), waiting: z.number() }).optional(),
  /** Why a saturated probe still counts as ok. */
  detail: z.string().optional(),
  error: z.string().optional(),
})

export interface HealthRoutesOptions {
  probe: HealthProbe
  metrics: Registry
  now?: () => number
}

const SATURATED_DETAIL = 'Lexi is busy: the probe got no reply within its deadline while other calls were being answered'

/**
 * GET /llm/health: 200 when Lexi answers exactly "OK", or is saturated but still answering other
 * calls (state "saturated"); 503 otherwise; same body either way.
 */
export async function healthRoutes(scope: FastifyInstance, opts: HealthRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  const now = opts.now ?? Date.now
  const up = new Gauge({
    name: 'llm_health_ok',
    help: '1 when the last Lexi health probe answered OK (or Lexi was saturated but answering)',
    registers: [opts.metrics],
  })
  app.get(
    '/llm/health',
    {
      schema: {
        tags: ['llm'],
        summary: 'Does Lexi produce tokens? (cached, single-flight probe; busy is not broken)',
        response: { 200: HealthBody, 503: HealthBody },
      },
    },
    async (_req, reply) => {
      const { snapshot: s, cached } = await opts.probe.check()
      up.set(s.ok ? 1 : 0)
      const body: z.infer<typeof HealthBody> = {
        ok: s.ok,
        state: s.state,
        cached,
        model: s.model,
        latency_ms: s.latency_ms,
        checked_at: new Date(s.checked_at).toISOString(),
        age_ms: Math.max(0, now() - s.checked_at),
        ...(s.queue === null ? {} : { queue: s.queue }),
        ...(s.state === 'saturated' ? { detail: SATURATED_DETAIL } : {}),
        ...(s.error === null ? {} : { error: s.error }),
      }
      // Serialized with JSON.stringify: the body is typed against HealthBody above, so the zod
      // serializer's per-request parse only re-checked it; skipping it is ~1/8 of the route's cost (bench B3).
      return reply
        .code(s.ok ? 200 : 503)
        .type('application/json; charset=utf-8')
        .serializer(JSON.stringify)
        .send(body)
    },
  )
}
