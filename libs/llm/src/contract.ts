import { z } from 'zod'

/**
 * The `features.llm` contract (design section 4). Every writer of forecasts validates against
 * FeaturesLlmSchema; readers (analytics, admin replay, eval) rely on it.
 */

export const RationaleSchema = z.object({
  summary: z.string().min(1).max(600),
  drivers: z.array(z.string().min(1).max(200)).min(1).max(5),
  risks: z.array(z.string().min(1).max(200)).min(1).max(5),
  confidence: z.number().min(0).max(1),
})
export type Rationale = z.infer<typeof RationaleSchema>

export const PolicyDecisionSchema = z.object({
  decision: z.enum(['allow', 'deny']),
  size_factor: z.number().gt(0).max(1),
  reason: z.string().min(1).max(400),
  risk_flags: z.array(z.string().min(1).max(64)).max(8),
})
export type PolicyDecision = z.infer<typeof PolicyDecisionSchema>

export const SummarySchema = z.object({
  summary: z.string().min(1).max(1200),
  highlights: z.array(z.string().min(1).max(200)).max(5),
})
export type Summary = z.infer<typeof SummarySchema>

/**
 * A failed call's error: `code` (error-table.ts), `cause` (for LLM_ERR_CIRCUIT_OPEN the code of the
 * failures that opened the circuit, else null; absent in rows written before it existed) and a
 * message for people. fail_reason is derived from the two codes, never from the message.
 */
export const LlmErrorInfoSchema = z.object({ code: z.string(), cause: z.string().nullable().optional(), message: z.string() })

export const UsageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
})

/** LlmResult<T>: one structured LLM answer, with everything needed to explain and replay it. */
export const llmResultSchema = <T extends z.ZodType>(parsed: T) =>
  z.object({
    prompt: z.string(),
    version: z.string(),
    hash: z.string(),
    arm: z.string().nullable(),
    bucket: z.number().int().nullable(),
    ok: z.boolean(),
    valid_json: z.boolean(),
    repaired: z.boolean(),
    cached: z.boolean(),
    parsed: parsed.nullable(),
    raw: z.string(),
    finish_reason: z.string().nullable(),
    latency_ms: z.number().nonnegative(),
    usage: UsageSchema,
    request_id: z.string().nullable(),
    error: LlmErrorInfoSchema.nullable(),
  })
export type LlmResult<T> = Omit<z.infer<ReturnType<typeof llmResultSchema>>, 'parsed'> & { parsed: T | null }

/** The LlmResult of a call that gave no answer (it threw, or was never made): nothing parsed, no tokens. */
export function noAnswer<T>(
  ref: { prompt: string; version: string; hash: string; arm?: string | null; bucket?: number | null },
  error: z.infer<typeof LlmErrorInfoSchema>,
  latencyMs = 0,
): LlmResult<T> {
  return {
    prompt: ref.prompt,
    version: ref.version,
    hash: ref.hash,
    arm: ref.arm ?? null,
    bucket: ref.bucket ?? null,
    ok: false,
    valid_json: false,
    repaired: false,
    cached: false,
    parsed: null,
    raw: '',
    finish_reason: null,
    latency_ms: latencyMs,
    usage: { prompt_tokens: 0, completion_tokens: 0 },
    request_id: null,
    error,
  }
}

export const FailReasonSchema = z
  .enum(['timeout', 'unreachable', 'invalid_json', 'circuit_open', 'queue_full', 'context_length', 'upstream_error', 'missing', 'llm_denied', 'risk_denied'])
  .nullable()

/**
 * `features.llm.policy.samples`: present when the policy was asked k > 1 times (LLM_POLICY_SAMPLES,
 * libs/llm/src/policy). The record's parsed answer is the conservative combination (any deny → deny,
 * size_factor = the minimum); `decisions` are the k answers in seed order (null = no usable answer),
 * `agreement` the share of them equal to the combined decision, tokens summed over the k calls.
 */
export const PolicySamplesSchema = z.object({
  k: z.number().int().min(2),
  agreement: z.number().min(0).max(1),
  decisions: z.array(z.enum(['allow', 'deny']).nullable()),
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
})
export type PolicySamples = z.infer<typeof PolicySamplesSchema>

export const PolicyRecordSchema = llmResultSchema(PolicyDecisionSchema).extend({
  mode: z.enum(['enforce', 'shadow']),
  gate_disabled: z.boolean(),
  /** What happened to the forecast's order; one value each, docs/trading.md "Policy values". */
  effective: z.enum(['allow', 'deny', 'reduce_only_allowed', 'no_order', 'pending']),
  would: z.enum(['would_allow', 'would_deny']).nullable(),
  fail_reason: FailReasonSchema,
  samples: PolicySamplesSchema.optional(),
})
export type PolicyRecord = z.infer<typeof PolicyRecordSchema>

export const SignalsSchema = z
  .object({
    ret_1: z.number(),
    ret_5: z.number(),
    ret_20: z.number(),
    vol_20: z.number(),
    rsi_14: z.number(),
    zscore_20: z.number(),
    volume_ratio: z.number(),
  })
  .catchall(z.number())
export type Signals = z.infer<typeof SignalsSchema>

export const OrderInputSchema = z.object({
  side: z.enum(['buy', 'sell']),
  qty: z.number().positive(),
  ref_price: z.number().positive(),
  notional: z.number().nonnegative(),
})

export const LlmInputsSchema = z.object({
  symbol: z.string().min(1),
  asof: z.string().datetime({ offset: true }),
  horizon: z.number().int().positive(),
  forecast: z.object({ mu: z.number(), sigma: z.number(), p_up: z.number(), q05: z.number(), q95: z.number() }),
  signals: SignalsSchema,
  order: OrderInputSchema.nullable(),
})
export type LlmInputs = z.infer<typeof LlmInputsSchema>

/**
 * Present when `rationale` and `policy` were filled in after the row was written (re-enrichment
 * once Lexi answered again, services/forecast): `original` keeps the failed results the row was
 * written with, which are what gated its order. No order is ever placed from a late answer.
 */
export const LateAnswerSchema = z.object({
  /** When the late answer was stored. */
  at: z.string().datetime({ offset: true }),
  /** `outage`: marked by the worker while Lexi was unreachable; `manual`: `forecast re-enrich`. */
  trigger: z.enum(['outage', 'manual']),
  original: z.object({
    rationale: llmResultSchema(RationaleSchema),
    policy: PolicyRecordSchema,
  }),
})
export type LateAnswer = z.infer<typeof LateAnswerSchema>

/**
 * `features.llm.rationale.grounding`: the numbers the rationale's prose cites, checked against
 * `inputs` (libs/llm/src/grounding, docs/decisions.md). Absent when no rationale was parsed, and in
 * rows written before the check existed. A rationale with unmatched numbers is kept, and flagged here.
 */
export const RationaleGroundingSchema = z.object({
  /** Numbers cited in summary, drivers and risks. */
  cited: z.number().int().nonnegative(),
  /** Of those, found in the inputs (with the allowed conversions). */
  matched: z.number().int().nonnegative(),
  /** The others, as written, with where they are (`summary`, `drivers[1]`, ...). */
  unmatched: z.array(z.object({ text: z.string(), where: z.string() })),
})
export type RationaleGrounding = z.infer<typeof RationaleGroundingSchema>

export const FeaturesLlmSchema = z.object({
  model: z.string(),
  inputs: LlmInputsSchema,
  rationale: llmResultSchema(RationaleSchema).extend({ grounding: RationaleGroundingSchema.optional() }),
  policy: PolicyRecordSchema,
  late: LateAnswerSchema.optional(),
})
export type FeaturesLlm = z.infer<typeof FeaturesLlmSchema>
