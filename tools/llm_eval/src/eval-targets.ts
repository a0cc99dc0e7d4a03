import { PolicyDecisionSchema, RationaleSchema, type PromptRegistry } from '@pulsetrade/llm'
import type { z } from 'zod'
import { EvalUsageError } from './errors'

/** A prompt version under evaluation. `label` (`rationale@1.1.0`) names it everywhere in the output. */
export interface EvalTarget {
  prompt: EvalPromptName
  version: string
  hash: string
  label: string
  schema: z.ZodType
}

/** Prompts rendered from a forecast's LlmInputs, hence replayable from stored signals. */
export const EVAL_PROMPTS = { rationale: RationaleSchema, policy: PolicyDecisionSchema } as const
export type EvalPromptName = keyof typeof EVAL_PROMPTS

export const DEFAULT_PROMPTS: readonly EvalPromptName[] = ['rationale', 'policy']

const isEvalPrompt = (name: string): name is EvalPromptName => Object.hasOwn(EVAL_PROMPTS, name)

/**
 * `--prompt` values (`name@version`, or `name` for its active version) → targets, in the order
 * given; none → the active versions of rationale and policy. Unknown prompts or versions, prompts
 * that are not replayable from signals, and repeats fail with EvalUsageError.
 */
export function resolveTargets(specs: readonly string[], registry: PromptRegistry): EvalTarget[] {
  const list = specs.length > 0 ? specs : DEFAULT_PROMPTS
  const targets: EvalTarget[] = []
  for (const spec of list) {
    const at = spec.indexOf('@')
    const name = (at < 0 ? spec : spec.slice(0, at)).trim()
    const wanted = at < 0 ? null : spec.slice(at + 1).trim()
    if (!isEvalPrompt(name)) {
      throw new EvalUsageError(`--prompt ${spec}: "${name}" cannot be replayed from forecast signals (use ${Object.keys(EVAL_PROMPTS).join(' or ')})`)
    }
    let info
    try {
      info = wanted === null || wanted === '' ? registry.active(name) : registry.get(name, wanted)
    } catch (err) {
      throw new EvalUsageError(`--prompt ${spec}: ${(err as Error).message}`, { cause: err })
    }
    const label = `${name}@${info.version}`
    if (targets.some((t) => t.label === label)) throw new EvalUsageError(`--prompt ${spec}: ${label} is listed twice`)
    targets.push({ prompt: name, version: info.version, hash: info.hash, label, schema: EVAL_PROMPTS[name] })
  }
  return targets
}
