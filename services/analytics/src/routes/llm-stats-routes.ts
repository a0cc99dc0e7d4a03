import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Db } from '@pulsetrade/db'
import type { ZodTypeProvider } from '@pulsetrade/http'
import { llmStats } from '../llm-stats-repo'

const UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const
const MAX_WINDOW_S = 90 * 86_400

const Window = z
  .string()
  .regex(/^[1-9]\d{0,5}[mhd]$/, 'expected a duration like 15m, 24h or 7d')
  .transform((w) => Number(w.slice(0, -1)) * UNIT_SECONDS[w.slice(-1) as keyof typeof UNIT_SECONDS])
  .refine((s) => s <= MAX_WINDOW_S, 'window is at most 90d')
const StatsQuery = z.strictObject({ window: Window.prefault('24h') })

const Stats = z.object({
  prompt: z.string(),
  version: z.string(),
  calls: z.number(),
  calls_ok: z.number(),
  latency_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  tokens: z.object({ prompt: z.number(), completion: z.number() }),
  errors: z.record(z.string(), z.number()),
  results: z.number(),
  valid_json: z.number(),
  valid_json_rate: z.number().nullable(),
  repaired: z.number(),
  decisions: z.object({ allow: z.number(), deny: z.number(), none: z.number() }),
  effective: z.object({ allow: z.number(), deny: z.number(), reduce_only_allowed: z.number(), no_order: z.number(), pending: z.number() }),
})
const StatsReply = z.object({ window_seconds: z.number(), since: z.string(), versions: z.array(Stats) })

/** GET /analytics/llm: per prompt version, calls, JSON validity, latency percentiles, decision mix and errors. */
export async function llmStatsRoutes(scope: FastifyInstance, opts: { db: Db; now?: () => number }): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  const now = opts.now ?? Date.now
  app.get(
    '/analytics/llm',
    {
      schema: {
        tags: ['analytics'],
        summary: 'LLM quality and latency per prompt version over a window',
        querystring: StatsQuery,
        response: { 200: StatsReply },
      },
    },
    async (req) => {
      const seconds = req.query.window
      return { window_seconds: seconds, since: new Date(now() - seconds * 1000).toISOString(), versions: await llmStats(opts.db, seconds) }
    },
  )
}
