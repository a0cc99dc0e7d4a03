import { createHash } from 'node:crypto'
import { canonicalJson } from './canonical-json'
import type { PromptVersionDef } from './prompt-file-schema'

/**
 * What a version's content hash covers: everything that reaches Lexi or shapes the request.
 * `description` is left out on purpose (a wording fix in the docs is not a new prompt); the prompt
 * name is in, so two prompts with equal text still have different hashes.
 */
export function hashedContent(name: string, v: PromptVersionDef): Record<string, unknown> {
  return {
    name,
    version: v.version,
    variables: v.variables,
    system: v.system,
    user: v.user ?? null,
    json_schema: v.json_schema ?? null,
    sampling: v.sampling,
  }
}

/** sha256 (lower-case hex) of the RFC 8785 canonical JSON of hashedContent(). */
export function promptContentHash(name: string, v: PromptVersionDef): string {
  return createHash('sha256')
    .update(canonicalJson(hashedContent(name, v)), 'utf8')
    .digest('hex')
}

export const shortHash = (hash: string): string => hash.slice(0, 12)
