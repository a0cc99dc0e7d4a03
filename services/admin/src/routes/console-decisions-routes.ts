import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Db } from '@pulsetrade/db'
import { NotFoundError, type ZodTypeProvider } from '@pulsetrade/http'
import { getDecision, listDecisions, MODES, VERDICTS } from '../console/decisions-repo'
import { IdField, pageFields } from '../console/query-fields'

const DecisionsQuery = z.strictObject({
  ...pageFields,
  symbol: z
    .string()
    .regex(/^[A-Za-z0-9._^-]{1,16}$/, 'expected a symbol of 1-16 letters, digits or ._^-')
    .optional(),
  verdict: z.enum(VERDICTS).optional(),
  mode: z.enum(MODES).optional(),
})

const Verdict = z.enum(VERDICTS).nullable()
const DecisionItem = z.object({
  id: z.number(),
  symbol: z.string(),
  asof: z.string(),
  p_up: z.number(),
  /** The order the forecast proposed, before the gate (features.llm.inputs.order); null when none. */
  proposed: z.object({ side: z.string(), qty: z.number() }).nullable(),
  /** features.llm.policy.effective: what happened to the forecast's order. */
  verdict: Verdict,
  /** The code of each gate step of the order (`RISK_OK`, `LLM_DENY`, `SHADOW_WOULD_DENY`, …); empty without an order. */
  reason_codes: z.array(z.string()),
  /** The policy's mode: enforce or shadow. */
  mode: z.string().nullable(),
  /** Version of the policy prompt that decided. */
  prompt_version: z.string().nullable(),
})
const DecisionsReply = z.object({
  items: z.array(DecisionItem),
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: z.number().nullable(),
})

const Json = z.record(z.string(), z.unknown())
const DecisionDetail = z.object({
  id: z.number(),
  symbol: z.string(),
  asof: z.string(),
  p_up: z.number(),
  mu: z.number(),
  sigma: z.number(),
  verdict: Verdict,
  reason_codes: z.array(z.string()),
  mode: z.string().nullable(),
  /** The rationale's summary. */
  rationale: z.string().nullable(),
  /** The whole parsed rationale (summary, drivers, risks, confidence, grounding) with its prompt and error. */
  rationale_detail: Json.nullable(),
  /** The policy's answer (decision, size_factor, reason, risk_flags) and what the gate made of it (effective, would, fail_reason, mode). */
  policy: Json.nullable(),
  /** The policy model's untouched text. */
  raw: z.string().nullable(),
  /** The policy prompt that decided. */
  prompt: z.object({ name: z.string(), version: z.string(), hash: z.string() }).nullable(),
  /** What the prompts were rendered from (features.llm.inputs): a replay rebuilds the requests from it. */
  inputs: Json.nullable(),
  orders: z.array(z.object({ id: z.number(), side: z.string(), qty: z.number(), status: z.string(), mode: z.string(), gate: Json })),
})

/** GET /llm/admin/decisions and /llm/admin/decisions/:id: the console's decisions view (polled every 5 s; not audited per request). */
export async function consoleDecisionsRoutes(scope: FastifyInstance, opts: { db: Db }): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  app.get(
    '/llm/admin/decisions',
    {
      schema: {
        tags: ['console'],
        summary: 'Recent forecasts with the proposed order, gate verdict and reason codes; newest first, keyset-paginated (before=next_before)',
        querystring: DecisionsQuery,
        response: { 200: DecisionsReply },
      },
    },
    async (req) => listDecisions(opts.db, req.query),
  )
  app.get(
    '/llm/admin/decisions/:id',
    {
      schema: {
        tags: ['console'],
        summary: "One forecast's decision: rationale, policy answer, raw model text, prompt version and hash, inputs and orders",
        params: z.strictObject({ id: IdField }),
        response: { 200: DecisionDetail },
      },
    },
    async (req) => {
      const d = await getDecision(opts.db, req.params.id)
      if (d === null) throw new NotFoundError(`forecast ${req.params.id} not found`)
      return d
    },
  )
}
