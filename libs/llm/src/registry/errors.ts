/**
 * Typed errors of the prompt registry. Every message is ONE line (services print it and exit at
 * start-up; CI prints it in `prompts check`), naming the place: file:line, prompt, version, field.
 */

const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim()

export class PromptRegistryError extends Error {
  code = 'LLM_ERR_PROMPT'
  constructor(message: string, options?: ErrorOptions) {
    super(oneLine(message), options)
    this.name = new.target.name
  }
}

/** Where in the prompt file a problem sits. Any part may be unknown. */
export interface PromptPlace {
  file: string
  line?: number | undefined
  prompt?: string | undefined
  version?: string | undefined
  field?: string | undefined
}

export const formatPlace = (p: PromptPlace): string => {
  const parts = [p.line === undefined ? p.file : `${p.file}:${p.line}`]
  if (p.prompt !== undefined) parts.push(`prompt "${p.prompt}"`)
  if (p.version !== undefined) parts.push(`version "${p.version}"`)
  if (p.field !== undefined && p.field !== '') parts.push(`field "${p.field}"`)
  return parts.join(' ')
}

/** The YAML is malformed, fails the schema, or breaks a rule (unknown variable, bad active, ...). */
export class PromptConfigError extends PromptRegistryError {
  override code = 'LLM_ERR_PROMPT_CONFIG'
  constructor(
    readonly place: PromptPlace,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${formatPlace(place)}: ${reason}`, options)
  }
}

/** A published version's content no longer matches its lock entry, or the lock file is unreadable. */
export class PromptLockError extends PromptRegistryError {
  override code = 'LLM_ERR_PROMPT_LOCK'
  constructor(
    readonly place: PromptPlace,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${formatPlace(place)}: ${reason}`, options)
  }
}

/** A prompt or version that the registry does not hold. */
export class UnknownPromptError extends PromptRegistryError {
  override code = 'LLM_ERR_PROMPT_UNKNOWN'
}

/** A variable the template needs was not given (or was undefined). */
export class PromptRenderError extends PromptRegistryError {
  override code = 'LLM_ERR_PROMPT_RENDER'
  constructor(
    readonly prompt: string,
    readonly version: string,
    readonly variable: string,
    reason: string,
  ) {
    super(`prompt "${prompt}" version "${version}": ${reason}`)
  }
}

/** LLM_AB_BUCKETS cannot be used: syntax, unknown prompt or version, weights, duplicates. */
export class AbSpecError extends PromptRegistryError {
  override code = 'LLM_ERR_AB_SPEC'
  constructor(
    readonly spec: string,
    reason: string,
  ) {
    super(`LLM_AB_BUCKETS "${spec}": ${reason}`)
  }
}
