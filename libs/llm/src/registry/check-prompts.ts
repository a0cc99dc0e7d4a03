import { answerSchemaProblems } from './answer-schema-check'
import type { LoadedPromptRegistry } from './load-prompt-registry'
import { LEXI_CONTEXT_TOKENS, PROMPT_CONTRACTS } from './prompt-contracts'
import { estimatePromptTokens } from '../client/prompt-budget'

/** Sample variables per prompt name (configs/llm_prompts.samples.json). */
export type PromptSamples = Readonly<Record<string, Record<string, unknown>>>

export interface TokenFit {
  prompt: string
  version: string
  promptTokens: number
  maxTokens: number
  /** promptTokens + maxTokens; must not exceed the context. */
  total: number
}

export interface CheckReport {
  ok: boolean
  /** One line each, naming prompt and version. */
  problems: string[]
  fits: TokenFit[]
}

const at = (prompt: string, version?: string): string => (version === undefined ? `prompt "${prompt}"` : `prompt "${prompt}" version "${version}"`)

/**
 * What CI enforces beyond loading: every version is in the lock, no published version vanished,
 * answer schemas match the contract, samples are valid inputs, and every version renders with its
 * samples and fits the context together with its max_tokens.
 */
export function checkPrompts(registry: LoadedPromptRegistry, samples: PromptSamples, contextTokens = LEXI_CONTEXT_TOKENS): CheckReport {
  const problems: string[] = []
  const fits: TokenFit[] = []
  const lock = registry.lockStatus()
  for (const e of lock.entries.filter((x) => x.state === 'unlocked')) {
    problems.push(`${at(e.prompt, e.version)}: not in ${registry.lockPath} yet; run \`pnpm prompts lock\` and commit the lock`)
  }
  for (const key of lock.orphans) {
    problems.push(
      `"${key}" is published in ${registry.lockPath} but no longer in ${registry.path}; stored answers reference it: restore it (to retire it on purpose, delete its lock entry in the same change)`,
    )
  }
  for (const name of registry.names()) {
    const contract = PROMPT_CONTRACTS[name]
    const vars = samples[name]
    if (vars === undefined) {
      problems.push(`${at(name)}: no sample inputs (add "${name}" to the samples file)`)
      continue
    }
    const inputs = contract?.inputs.safeParse(vars)
    if (inputs !== undefined && !inputs.success) {
      const issue = inputs.error.issues[0]
      problems.push(`${at(name)}: sample inputs are not what callers pass: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trimEnd())
    }
    for (const v of registry.versions(name)) {
      if (v.jsonSchema !== null) {
        for (const p of answerSchemaProblems(v.jsonSchema, contract?.answer ?? null)) problems.push(`${at(name, v.version)} field "json_schema": ${p}`)
      }
      try {
        const rendered = registry.render(name, vars, { version: v.version })
        const promptTokens = estimatePromptTokens(rendered.messages)
        const fit = { prompt: name, version: v.version, promptTokens, maxTokens: v.sampling.max_tokens, total: promptTokens + v.sampling.max_tokens }
        fits.push(fit)
        if (fit.total > contextTokens) {
          problems.push(
            `${at(name, v.version)}: ~${promptTokens} prompt tokens + max_tokens ${fit.maxTokens} = ${fit.total} exceeds the ${contextTokens}-token context`,
          )
        }
      } catch (err) {
        problems.push(`${at(name, v.version)}: does not render with the samples: ${(err as Error).message}`)
      }
    }
  }
  return { ok: problems.length === 0, problems, fits }
}
