import { z } from 'zod'
import { LlmInputsSchema, PolicySamplesSchema, RationaleGroundingSchema, checkGrounding, type LlmInputs, type LlmResult, type Rationale } from '@pulsetrade/llm'
import { decisionOf } from './decision'
import type { EvalItem } from './eval-item'
import type { EvalTarget } from './eval-targets'

/** One line of records.jsonl: one structured call of one prompt version on one item. */
export const EvalRecordSchema = z.object({
  item_id: z.string(),
  /** `prompt@version`: the arm of the evaluation. */
  arm: z.string(),
  prompt: z.string(),
  version: z.string(),
  hash: z.string(),
  /** Milliseconds since the run started (wall clock of this process). */
  started_ms: z.number(),
  finished_ms: z.number(),
  /** As the client measured it: queue wait, the call, retries and the repair round. */
  latency_ms: z.number(),
  tokens: z.object({ prompt: z.number().int(), completion: z.number().int() }),
  ok: z.boolean(),
  /** The first answer parses as JSON. */
  json_valid_first_try: z.boolean(),
  /** The final answer (the repair answer when a repair round ran) parses as JSON. */
  json_valid_after_repair: z.boolean(),
  /** The first answer matched the answer schema (no repair needed). */
  schema_valid_first_try: z.boolean(),
  /** The final answer matched the answer schema (what callers get). */
  schema_valid: z.boolean(),
  repaired: z.boolean(),
  cached: z.boolean(),
  finish_reason: z.string().nullable(),
  decision: z.string().nullable(),
  /** rationale: confidence; policy: size_factor. */
  score: z.number().nullable(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  request_id: z.string().nullable(),
  /** Text of the first answer (before any repair round); null when no answer came back. */
  first_raw: z.string().nullable(),
  /** Text of the final answer (the repair answer when a repair round ran); null when no answer came back. */
  raw: z.string().nullable(),
  /** The final answer as parsed and validated by the client; null when it is not schema-valid. */
  parsed: z.unknown().nullable(),
  /**
   * Rationale only: the numbers the answer cites, checked against `inputs` (libs/llm grounding);
   * null for other prompts and for answers that are not schema-valid. Absent in older records.
   */
  grounding: RationaleGroundingSchema.nullable().optional(),
  /** Policy with LLM_POLICY_SAMPLES=k >= 2: the k decisions and their agreement; tokens above are the k calls'. Absent otherwise. */
  samples: PolicySamplesSchema.optional(),
  /** The item's prompt inputs, so a run folder alone can be read, compared and rerun. */
  inputs: LlmInputsSchema,
  /** Copied from the item so outcomes can be recounted from records alone. */
  p_up: z.number(),
  order_side: z.enum(['buy', 'sell']).nullable(),
  realized_return: z.number().nullable(),
})
export type EvalRecord = z.infer<typeof EvalRecordSchema>

const round1 = (v: number): number => Math.round(v * 10) / 10

const parsesAsJson = (text: string | null): boolean => {
  if (text === null || text.trim() === '') return false
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

const scoreOf = (parsed: unknown): number | null => {
  const p = parsed as { confidence?: unknown; size_factor?: unknown } | null
  if (typeof p?.confidence === 'number') return p.confidence
  if (typeof p?.size_factor === 'number') return p.size_factor
  return null
}

/** What the structured client returns (LlmResult plus the first answer when a repair ran). */
export type StructuredOutcome = LlmResult<unknown> & { first_raw?: string | null; samples?: z.infer<typeof PolicySamplesSchema> }

/**
 * Builds the record of one call. First-try JSON validity is judged on the first answer's text
 * (`first_raw` when a repair round ran, else `raw`); an upstream failure with no answer is invalid.
 */
export function toEvalRecord(o: {
  item: EvalItem
  target: EvalTarget
  result: StructuredOutcome
  startedMs: number
  finishedMs: number
  confidentMin: number
}): EvalRecord {
  const { item, target, result: r } = o
  const inputs: LlmInputs = item.inputs
  const ranRepair = r.first_raw != null
  const firstText = ranRepair ? (r.first_raw ?? null) : r.raw
  const schemaValid = r.ok && r.parsed !== null
  return {
    item_id: item.id,
    arm: target.label,
    prompt: target.prompt,
    version: r.version,
    hash: r.hash,
    started_ms: round1(o.startedMs),
    finished_ms: round1(o.finishedMs),
    latency_ms: r.latency_ms,
    tokens: { prompt: r.usage.prompt_tokens, completion: r.usage.completion_tokens },
    ok: r.ok,
    json_valid_first_try: r.ok && !r.repaired ? true : parsesAsJson(firstText),
    json_valid_after_repair: schemaValid || parsesAsJson(r.raw),
    schema_valid_first_try: schemaValid && !r.repaired,
    schema_valid: schemaValid,
    repaired: r.repaired,
    cached: r.cached,
    finish_reason: r.finish_reason,
    decision: schemaValid ? decisionOf(target.prompt, r.parsed, inputs, o.confidentMin) : null,
    score: schemaValid ? scoreOf(r.parsed) : null,
    error_code: r.error?.code ?? null,
    error_message: r.error?.message ?? null,
    request_id: r.request_id,
    first_raw: firstText === null || firstText === '' ? null : firstText,
    raw: r.raw === '' ? null : r.raw,
    parsed: schemaValid ? r.parsed : null,
    grounding: schemaValid && target.prompt === 'rationale' ? checkGrounding(r.parsed as Rationale, inputs) : null,
    ...(r.samples !== undefined ? { samples: r.samples } : {}),
    inputs,
    p_up: inputs.forecast.p_up,
    order_side: inputs.order?.side ?? null,
    realized_return: item.realized_return,
  }
}
