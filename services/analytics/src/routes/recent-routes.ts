import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Db } from '@pulsetrade/db'
import type { ZodTypeProvider } from '@pulsetrade/http'
import { listRecentForecasts } from '../recent-forecasts-repo'
import type { Summarizer } from '../summarizer'

const RecentQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  symbol: z
    .string()
    .regex(/^[A-Za-z0-9._^-]{1,16}$/, 'expected a symbol of 1-16 letters, digits or ._^-')
    .optional(),
})

const nullable = <T extends z.ZodType>(t: T) => t.nullable()
const Item = z.object({
  id: z.number(),
  symbol: z.string(),
  asof: z.string(),
  horizon: z.number(),
  model_version: z.string(),
  mu: z.number(),
  sigma: z.number(),
  p_up: z.number(),
  realized_return: nullable(z.number()),
  created_at: z.string(),
  side: nullable(z.string()),
  decision: nullable(z.string()),
  effective: nullable(z.string()),
  mode: nullable(z.string()),
  would: nullable(z.string()),
  fail_reason: nullable(z.string()),
  rationale: nullable(z.string()),
  confidence: nullable(z.number()),
  valid: z.object({ rationale: nullable(z.boolean()), policy: nullable(z.boolean()) }),
  versions: z.object({ rationale: nullable(z.string()), policy: nullable(z.string()) }),
})
const RecentReply = z.object({
  items: z.array(Item),
  summary: z.string(),
  summary_status: z.enum(['ok', 'empty', 'timeout', 'unreachable', 'invalid']),
  summary_cached: z.boolean(),
  /** When the summary's window started: it describes the latest forecasts of every symbol then, not only `items`. */
  summary_at: z.string().nullable(),
})

export interface RecentRoutesOptions {
  db: Db
  summarizer: Summarizer
}

/**
 * GET /analytics/recent: the latest forecasts (filtered by the query) and the window's shared LLM
 * summary of the latest forecasts overall, which never delays the answer past its timeout.
 */
export async function recentRoutes(scope: FastifyInstance, opts: RecentRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  app.get(
    '/analytics/recent',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Most recent forecasts with their LLM decision and a summary',
        querystring: RecentQuery,
        response: { 200: RecentReply },
      },
    },
    async (req, reply) => {
      const items = await listRecentForecasts(opts.db, req.query)
      // Nothing matched: nothing to summarise, and no reason to start the window's Lexi call.
      if (items.length === 0) return { items, summary: '', summary_status: 'empty' as const, summary_cached: false, summary_at: null }
      const s = await opts.summarizer.summarize(reply.elapsedTime)
      return { items, summary: s.summary, summary_status: s.status, summary_cached: s.cached, summary_at: s.at === null ? null : new Date(s.at).toISOString() }
    },
  )
}
