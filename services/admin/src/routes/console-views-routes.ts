import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Db } from '@pulsetrade/db'
import { BadRequestError, type ZodTypeProvider } from '@pulsetrade/http'
import { listOpenPositions } from '@pulsetrade/trading'
import { pageFields } from '../console/query-fields'
import { armValidity, callStatsByVersion, listAudit, outcomeSeries, stoppedArms } from '../console/views-repo'
import type { AdminPromptRegistry } from './llm-admin-routes'

/** How often the console page polls (it reads them from GET /console/config). */
export const POLL_MS = { lexi: 2_000, decisions: 5_000 } as const
/** Window of the per-arm call count and latency. */
export const ARM_WINDOW_S = 3_600
const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const
/** Default span of the outcomes chart: two days of hours, ninety days of days. */
const DEFAULT_SPAN = { hour: 48, day: 90 } as const
/** At most this many points per chart: a since too far back for the bucket is a 400, not a slow query. */
const MAX_POINTS = 5_000

const OutcomesQuery = z.strictObject({
  bucket: z.enum(['hour', 'day']).default('hour'),
  since: z.iso.datetime({ offset: true }).optional(),
  /** End of the chart (exclusive); now when absent. */
  until: z.iso.datetime({ offset: true }).optional(),
})
const Cell = z.object({ n: z.number(), pnl: z.number() })
const OutcomesReply = z.object({
  bucket: z.enum(['hour', 'day']),
  since: z.string(),
  until: z.string(),
  /** One point per bucket that has orders (buckets without any are absent), oldest first. */
  series: z.array(z.object({ t: z.string(), allowed: Cell, denied: Cell, would_deny: Cell })),
})

const ArmsReply = z.object({
  /** Window of calls, p50_ms and p95_ms (llm_calls rows of every process). */
  window_s: z.number(),
  arms: z.array(
    z.object({
      prompt: z.string(),
      version: z.string(),
      /** Share of the prompt's A/B traffic (LLM_AB_BUCKETS); 100 for a prompt that is not split. */
      weight: z.number(),
      /** The prompt's active version (the one a stopped arm's traffic goes to). */
      active: z.boolean(),
      /** Stopped by the canary and not resumed (POST /llm/admin/arms/resume). */
      stopped: z.boolean(),
      calls: z.number(),
      /** Answers valid without repair, from the canary's counters since the arm started or was resumed; null for a prompt that is not split. */
      valid_rate: z.number().nullable(),
      p50_ms: z.number().nullable(),
      p95_ms: z.number().nullable(),
    }),
  ),
})

const PositionsReply = z.object({
  /** Non-zero positions, by symbol. */
  positions: z.array(z.object({ symbol: z.string(), qty: z.number(), avg_price: z.number(), realized_pnl: z.number(), updated_at: z.string() })),
})

const ConfigReply = z.object({
  /** Whether POST /strategist/panic-exit is served (ENABLE_PANIC_EXIT); reason says why not. */
  panic_exit: z.object({ enabled: z.boolean(), reason: z.string().nullable() }),
  /** Polling periods of the console page in ms. */
  poll_ms: z.object({ lexi: z.number(), decisions: z.number() }),
})

const AuditQuery = z.strictObject({
  ...pageFields,
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_.]{0,63}$/, 'expected an action like strategist.panic_exit')
    .optional(),
})
const AuditReply = z.object({
  items: z.array(
    z.object({
      id: z.number(),
      actor: z.string(),
      action: z.string(),
      reason: z.string().nullable(),
      details: z.record(z.string(), z.unknown()),
      created_at: z.string(),
    }),
  ),
  next_before: z.number().nullable(),
})

export interface ConsoleViewsOptions {
  db: Db
  prompts: AdminPromptRegistry
  enablePanicExit: boolean
  now?: () => number
}

/**
 * The console's other read routes: outcomes chart, prompt arms, positions, its settings and the
 * audit log. Polled reads: none of them is audited per request.
 */
export async function consoleViewsRoutes(scope: FastifyInstance, opts: ConsoleViewsOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  const now = opts.now ?? Date.now

  app.get(
    '/llm/admin/outcomes',
    {
      schema: {
        tags: ['console'],
        summary: 'Allowed vs denied vs would-deny orders and their realized P&L per hour or day (chart series)',
        querystring: OutcomesQuery,
        response: { 200: OutcomesReply },
      },
    },
    async (req) => {
      const { bucket } = req.query
      const until = req.query.until === undefined ? new Date(now()) : new Date(req.query.until)
      const since = req.query.since === undefined ? new Date(until.getTime() - DEFAULT_SPAN[bucket] * BUCKET_MS[bucket]) : new Date(req.query.since)
      if (since >= until) throw new BadRequestError('query.since: must be before until')
      if ((until.getTime() - since.getTime()) / BUCKET_MS[bucket] > MAX_POINTS) {
        throw new BadRequestError(`query.since: at most ${MAX_POINTS} ${bucket}s before until (use bucket=day or a shorter span)`)
      }
      return { bucket, since: since.toISOString(), until: until.toISOString(), series: await outcomeSeries(opts.db, { bucket, since, until }) }
    },
  )

  app.get(
    '/llm/admin/arms',
    {
      schema: {
        tags: ['console'],
        summary: 'Every prompt version that gets traffic (A/B arms, or the active version): weight, stopped, calls, validity, latency p50/p95',
        response: { 200: ArmsReply },
      },
    },
    async () => {
      const [calls, validity, stopped] = await Promise.all([callStatsByVersion(opts.db, ARM_WINDOW_S), armValidity(opts.db), stoppedArms(opts.db)])
      const arms = opts.prompts.names().flatMap((prompt) => {
        const active = opts.prompts.active(prompt).version
        const split = opts.prompts.arms?.(prompt) ?? null
        return (split ?? [{ version: active, weight: 100 }]).map((a) => {
          const key = `${prompt}\n${a.version}`
          const c = calls.get(key)
          return {
            prompt,
            version: a.version,
            weight: a.weight,
            active: a.version === active,
            stopped: stopped.has(key),
            calls: c?.calls ?? 0,
            valid_rate: split === null ? null : (validity.get(key)?.valid_rate ?? null),
            p50_ms: c?.p50_ms ?? null,
            p95_ms: c?.p95_ms ?? null,
          }
        })
      })
      return { window_s: ARM_WINDOW_S, arms }
    },
  )

  app.get(
    '/strategist/positions',
    { schema: { tags: ['console', 'strategist'], summary: 'Open (non-zero) positions', response: { 200: PositionsReply } } },
    async () => ({
      positions: (await listOpenPositions(opts.db)).map((p) => ({
        symbol: p.symbol,
        qty: p.qty,
        avg_price: p.avg_price,
        realized_pnl: p.realized_pnl,
        updated_at: new Date(p.updated_at).toISOString(),
      })),
    }),
  )

  app.get(
    '/console/config',
    { schema: { tags: ['console'], summary: "The console's settings: whether the panic exit is served, polling periods", response: { 200: ConfigReply } } },
    async () => ({
      panic_exit: {
        enabled: opts.enablePanicExit,
        reason: opts.enablePanicExit ? null : 'panic exit is disabled on this service (ENABLE_PANIC_EXIT is not set)',
      },
      poll_ms: { ...POLL_MS },
    }),
  )

  app.get(
    '/llm/admin/audit',
    {
      schema: {
        tags: ['console'],
        summary: 'The audit log, newest first, keyset-paginated (before=next_before), optionally one action',
        querystring: AuditQuery,
        response: { 200: AuditReply },
      },
    },
    async (req) => listAudit(opts.db, req.query),
  )
}
