import { z } from 'zod'
import { LEXI_CONTEXT_TOKENS } from './prompt-contracts'

/**
 * The shape of configs/llm_prompts.yaml. Messages are written for the one-line error format
 * (`file:line prompt "p" version "v" field "f": <message>`), so they say what was expected.
 */

/** Semantic versioning 2.0.0 (https://semver.org), without build metadata. */
export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/
export const IDENTIFIER = /^[a-z][a-z0-9_]*$/

const semver = z.string({ error: 'expected a semver string like 1.2.0 (quote it in YAML)' }).regex(SEMVER, { error: 'expected a semver string like 1.2.0' })

const text = (max: number) =>
  z
    .string({ error: 'expected a string' })
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })

const numberIn = (min: number, max: number, exclusiveMin = false) => {
  const msg = `expected a number from ${min}${exclusiveMin ? ' (exclusive)' : ''} to ${max}`
  const base = z.number({ error: msg })
  return (exclusiveMin ? base.gt(min, { error: msg }) : base.min(min, { error: msg })).max(max, { error: msg })
}

const intIn = (min: number, max: number) => {
  const msg = `expected an integer from ${min} to ${max}`
  return z.int({ error: msg }).min(min, { error: msg }).max(max, { error: msg })
}

export const SamplingSchema = z.strictObject(
  {
    temperature: numberIn(0, 2),
    top_p: numberIn(0, 1, true),
    max_tokens: intIn(1, LEXI_CONTEXT_TOKENS),
    seed: intIn(0, 2 ** 31 - 1).optional(),
    stop: z.array(text(32), { error: 'expected a list of strings' }).max(4, { error: 'at most 4 stop strings' }).optional(),
  },
  { error: 'expected a mapping with temperature, top_p, max_tokens (seed, stop optional)' },
)

export const PromptVersionSchema = z.strictObject(
  {
    version: semver,
    description: text(500),
    variables: z.array(z.string({ error: 'expected a variable name' }).regex(IDENTIFIER, { error: 'expected a lower_snake_case variable name' }), {
      error: 'expected a list of variable names ([] for none)',
    }),
    system: text(16_000),
    user: text(16_000).optional(),
    json_schema: z.record(z.string(), z.unknown(), { error: 'expected a JSON schema mapping' }).optional(),
    sampling: SamplingSchema,
  },
  { error: 'expected a mapping with version, description, variables, system, sampling' },
)
export type PromptVersionDef = z.infer<typeof PromptVersionSchema>

export const PromptDefSchema = z.strictObject(
  {
    description: text(500).optional(),
    active: semver,
    ab_salt: z.string({ error: 'expected a string' }).regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected 1-64 characters of A-Z a-z 0-9 . _ -' }),
    versions: z.array(PromptVersionSchema, { error: 'expected a list of versions' }).min(1, { error: 'needs at least one version' }),
  },
  { error: 'expected a mapping with active, ab_salt, versions' },
)
export type PromptDef = z.infer<typeof PromptDefSchema>

export const PromptFileSchema = z.strictObject(
  {
    prompts: z.record(z.string().regex(IDENTIFIER, { error: 'prompt names are lower_snake_case' }), PromptDefSchema, {
      error: 'expected a mapping of prompt name to prompt',
    }),
  },
  { error: 'expected a mapping with a "prompts" key' },
)
export type PromptFile = z.infer<typeof PromptFileSchema>
