import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Db } from '@pulsetrade/db'
import { actorOf, NotFoundError, type ZodTypeProvider } from '@pulsetrade/http'
import type { LlmClient, PromptRegistry } from '@pulsetrade/llm'
import { shadowReport } from '@pulsetrade/trading'
import { REPLAYABLE, replayForecast } from '../replay-forecast'

/** The registry as loaded by loadPromptRegistry, which also knows its A/B arms. */
export type AdminPromptRegistry = PromptRegistry & { arms?: (name: string) => ReadonlyArray<{ version: string; weight: number }> | null }

const ReplayBody = z
  .strictObject({
    id: z.number().int().positive(),
    force: z.boolean().default(false),
    prompt: z.enum(REPLAYABLE).optional(),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, 'expected a version like 1.0.0')
      .optional(),
  })
  .refine((b) => b.version === undefined || b.prompt !== undefined, { path: ['version'], message: 'needs "prompt": a version belongs to one prompt' })

const Ref = z.object({ version: z.string(), hash: z.string() })
const ReplayResult = z.object({
  prompt: z.string(),
  version: z.string(),
  hash: z.string(),
  arm: z.string().nullable(),
  bucket: z.number().nullable(),
  recorded: Ref.nullable(),
  drift: z.boolean().nullable(),
  cached: z.boolean(),
  ok: z.boolean(),
  valid_json: z.boolean(),
  parsed: z.unknown(),
  raw: z.string(),
  finish_reason: z.string().nullable(),
  latency_ms: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
})
const ReplayReply = z.object({
  id: z.number(),
  force: z.boolean(),
  cached: z.boolean(),
  drift: z.boolean(),
  prompt: z.string().optional(),
  version: z.string().optional(),
  hash: z.string().optional(),
  results: z.array(ReplayResult),
})

const Sampling = z.object({
  temperature: z.number(),
  top_p: z.number(),
  max_tokens: z.number(),
  seed: z.number().optional(),
  stop: z.array(z.string()).optional(),
})
const PromptsReply = z.object({
  prompts: z.array(
    z.object({
      name: z.string(),
      active: z.string(),
      arms: z.array(z.object({ version: z.string(), weight: z.number() })).nullable(),
      /** Arms the canary stopped (open stops in llm_arm_stops), with the SPRT's evidence; served by the active version until resumed. */
      stopped: z.array(z.object({ version: z.string(), metric: z.string(), stopped_at: z.string(), evidence: z.record(z.string(), z.unknown()) })),
      versions: z.array(
        z.object({ version: z.string(), hash: z.string(), active: z.boolean(), description: z.string(), variables: z.array(z.string()), sampling: Sampling }),
      ),
    }),
  ),
})

/** Text Postgres can store: no NUL, no unpaired surrogate. */
const STORABLE = /^(?:[^\u0000\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/
const ResumeBody = z.strictObject({
  prompt: z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'expected a prompt name like rationale'),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a version like 1.1.0'),
  reason: z.string().trim().min(1, 'say why the arm is resumed').max(500).regex(STORABLE, 'must not contain NUL or unpaired surrogates'),
})
const ResumeReply = z.object({ prompt: z.string(), version: z.string(), resumed: z.boolean(), stop_id: z.number() })

const Bucket = z.object({
  orders: z.number(),
  resolved: z.number(),
  unresolved: z.number(),
  realized_pnl: z.number(),
  notional: z.number(),
  wins: z.number(),
  hit_rate: z.number().nullable(),
})
const ShadowReply = z.object({
  since: z.string().nullable(),
  generated_at: z.string(),
  would_allow: Bucket,
  would_deny: Bucket.extend({ by_reason: z.record(z.string(), Bucket) }),
  enforce_effect_pnl: z.number(),
})
const ShadowQuery = z.strictObject({ since: z.iso.datetime({ offset: true }).optional() })

export interface LlmAdminRoutesOptions {
  db: Db
  llm: Pick<LlmClient, 'structured'>
  prompts: AdminPromptRegistry
}

/** /llm/admin/*: replay a stored forecast, list prompt versions, the shadow-mode report. */
export async function llmAdminRoutes(scope: FastifyInstance, opts: LlmAdminRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  app.post(
    '/llm/admin/replay',
    {
      config: { audit: 'llm.replay' },
      schema: { tags: ['llm-admin'], summary: 'Replay the LLM requests of a stored forecast', body: ReplayBody, response: { 200: ReplayReply } },
    },
    async (req) => {
      const results = await replayForecast(opts, req.body)
      const single = results.length === 1 ? { prompt: results[0]!.prompt, version: results[0]!.version, hash: results[0]!.hash } : {}
      return {
        id: req.body.id,
        force: req.body.force,
        cached: results.every((r) => r.cached),
        drift: results.some((r) => r.drift === true),
        ...single,
        results,
      }
    },
  )

  app.get(
    '/llm/admin/prompts',
    {
      config: { audit: 'llm.prompts' },
      schema: { tags: ['llm-admin'], summary: 'Prompt versions, content hashes, active version and A/B arms', response: { 200: PromptsReply } },
    },
    async () => {
      const stops = await opts.db.query<{ prompt: string; version: string; metric: string; stopped_at: Date; evidence: Record<string, unknown> }>(
        'SELECT prompt, version, metric, stopped_at, evidence FROM llm_arm_stops WHERE resumed_at IS NULL ORDER BY id',
      )
      return {
        prompts: opts.prompts.names().map((name) => ({
          name,
          active: opts.prompts.active(name).version,
          arms: opts.prompts.arms?.(name)?.map((a) => ({ version: a.version, weight: a.weight })) ?? null,
          stopped: stops.rows
            .filter((r) => r.prompt === name)
            .map((r) => ({ version: r.version, metric: r.metric, stopped_at: r.stopped_at.toISOString(), evidence: r.evidence })),
          versions: opts.prompts
            .versions(name)
            .map((v) => ({ version: v.version, hash: v.hash, active: v.active, description: v.description, variables: v.variables, sampling: v.sampling })),
        })),
      }
    },
  )

  // Only an operator re-enables a stopped canary arm: the stop is closed and the arm's counters start over.
  app.post(
    '/llm/admin/arms/resume',
    {
      config: { audit: 'llm.arm_resume' },
      schema: { tags: ['llm-admin'], summary: 'Re-enable an A/B arm the canary stopped', body: ResumeBody, response: { 200: ResumeReply } },
    },
    async (req) => {
      const { prompt, version, reason } = req.body
      const client = await opts.db.connect()
      try {
        await client.query('BEGIN')
        const closed = await client.query<{ id: string }>(
          'UPDATE llm_arm_stops SET resumed_at = now(), resumed_by = $3, resume_reason = $4 WHERE prompt = $1 AND version = $2 AND resumed_at IS NULL RETURNING id',
          [prompt, version, actorOf(req), reason],
        )
        if (closed.rows.length === 0) {
          throw new NotFoundError(`prompt "${prompt}" version "${version}" has no open canary stop`)
        }
        await client.query('DELETE FROM llm_arm_stats WHERE prompt = $1 AND version = $2', [prompt, version])
        await client.query('COMMIT')
        req.log.warn({ prompt, version, reason }, 'canary arm resumed by an operator')
        return { prompt, version, resumed: true, stop_id: Number(closed.rows[0]!.id) }
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
  )

  app.get(
    '/llm/admin/shadow-report',
    {
      config: { audit: 'llm.shadow_report' },
      schema: {
        tags: ['llm-admin'],
        summary: 'Shadow mode: orders the LLM would have denied vs allowed, with realized P&L',
        querystring: ShadowQuery,
        response: { 200: ShadowReply },
      },
    },
    async (req) => shadowReport(opts.db, { since: req.query.since === undefined ? null : new Date(req.query.since) }),
  )
}
