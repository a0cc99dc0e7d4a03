import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { ZodTypeProvider } from '@pulsetrade/http'
import type { LexiStatus } from '../console/lexi-status'

const LexiReply = z.object({
  /** This admin process's health probe of Lexi (the cached, single-flight probe of GET /llm/health): ok, saturated (busy but answering) or down. */
  state: z.enum(['ok', 'saturated', 'down']),
  /** Why not ok (`connect ECONNREFUSED …`, `timeout after 2000 ms`, `reply was "Ok."`); null when ok. */
  cause: z.string().nullable(),
  /** When that probe ended (an answer is reused at most 2 s when ok, LLM_HEALTH_FAIL_TTL_MS otherwise). */
  checked_at: z.string(),
  /** The served model id from GET /v1/models; null until Lexi has answered once. */
  model: z.string().nullable(),
  /** vLLM's GET /version; null until it has answered once. */
  vllm_version: z.string().nullable(),
  /** Circuit per upstream replica as this admin process's client sees it; cause = error code that opened it. */
  upstreams: z.array(z.object({ url: z.string(), circuit: z.enum(['closed', 'open', 'half_open']), cause: z.string().nullable() })),
  /** Slots held and callers queued per priority class in this admin process only (each process has its own budgets). */
  classes: z.array(z.object({ class: z.string(), in_flight: z.number(), queued: z.number() })),
  /** Every process's upstream calls (llm_calls rows, health probes excluded) over the last window_s seconds. */
  latency: z.object({
    window_s: z.number(),
    calls: z.number(),
    errors: z.number(),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
  }),
})

/** GET /llm/admin/lexi: the console's Lexi view (polled every 2 s; not audited per request). */
export async function consoleLexiRoutes(scope: FastifyInstance, opts: { lexi: { read: () => Promise<LexiStatus> } }): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  app.get(
    '/llm/admin/lexi',
    {
      schema: {
        tags: ['console'],
        summary: 'Lexi: health with its cause, circuits per replica, slots and queue per priority class, latency p50/p95, model and vLLM version',
        response: { 200: LexiReply },
      },
    },
    async () => opts.lexi.read(),
  )
}
