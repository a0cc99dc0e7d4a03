import { z } from 'zod'
import { LlmInputsSchema, PolicyDecisionSchema, RationaleSchema, SummarySchema } from '../contract'

/**
 * What the callers of each built-in prompt provide and expect. The loader holds every version of
 * these prompts to it, so a version that needs a variable no caller passes fails at load, not in
 * production at render time.
 */
export interface PromptContract {
  /** Variables the callers pass; a version may use any subset. */
  variables: readonly string[]
  /** zod schema of what the callers pass (samples are checked against it). */
  inputs: z.ZodType
  /** zod schema of the answer (the features.llm contract), or null for free text. */
  answer: z.ZodType | null
  /** Deterministic prompts must be sent with temperature 0. */
  temperatureZero: boolean
  /** Text the user template must contain (the simulator and the health check key on it). */
  mustContain?: string
  /** Chat carries no user template: the user's own messages follow the system prompt. */
  userTemplate: 'required' | 'forbidden'
}

/** The fields of LlmInputs: what a forecast's rationale and policy prompts are rendered from. */
const forecastVariables = Object.keys(LlmInputsSchema.shape)

/** What analytics passes to the summary prompt: the total matched and compact recent rows. */
export const SummaryInputsSchema = z.object({
  count: z.int().nonnegative(),
  rows: z.array(z.record(z.string(), z.unknown())),
})
const noInputs = z.object({}).strict()

export const HEALTH_PHRASE = 'Reply with exactly OK'

export const PROMPT_CONTRACTS: Readonly<Record<string, PromptContract>> = {
  rationale: { variables: forecastVariables, inputs: LlmInputsSchema, answer: RationaleSchema, temperatureZero: false, userTemplate: 'required' },
  policy: { variables: forecastVariables, inputs: LlmInputsSchema, answer: PolicyDecisionSchema, temperatureZero: true, userTemplate: 'required' },
  summary: { variables: ['rows', 'count'], inputs: SummaryInputsSchema, answer: SummarySchema, temperatureZero: false, userTemplate: 'required' },
  health: { variables: [], inputs: noInputs, answer: null, temperatureZero: true, mustContain: HEALTH_PHRASE, userTemplate: 'required' },
  chat: { variables: [], inputs: noInputs, answer: null, temperatureZero: false, userTemplate: 'forbidden' },
}

export const REQUIRED_PROMPTS = Object.keys(PROMPT_CONTRACTS)

/** The context window Lexi is served with (`--max-model-len 4096`). */
export const LEXI_CONTEXT_TOKENS = 4096
