import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import type { ArmChoice, PromptRegistry, PromptVersionInfo, RenderedPrompt } from '../types'
import { abBucket, abUnitKey, armForBucket, parseAbBuckets, type AbArm, type AbSplits } from './ab-buckets'
import { promptContentHash } from './content-hash'
import { PromptConfigError, PromptLockError, PromptRenderError, UnknownPromptError } from './errors'
import { parsePromptFile } from './parse-prompt-file'
import { changedMessage, computeLockStatus, readPromptLock, type LockStatus } from './prompt-lock'
import { fillTemplate } from './template'

/** A version as the registry holds it: the pinned info plus its texts. Deeply frozen. */
export interface PromptVersion extends PromptVersionInfo {
  system: string
  /** The user template, or null (chat: the caller's messages follow the system prompt). */
  user: string | null
}

export interface LoadPromptRegistryOptions {
  /** LLM_AB_BUCKETS; invalid specs throw AbSpecError. */
  abBuckets?: string | undefined
  /** Defaults to the YAML path with `.lock.json` instead of `.yaml`. */
  lockPath?: string | undefined
  /** Fail when a published version's content differs from its lock entry. @default true */
  verifyLock?: boolean
  /** Warns about versions not in the lock yet. */
  logger?: Logger
}

export interface LoadedPromptRegistry extends PromptRegistry {
  readonly path: string
  readonly lockPath: string
  versions: (name: string) => PromptVersion[]
  active: (name: string) => PromptVersion
  get: (name: string, version: string) => PromptVersion
  /** The A/B arms of a prompt, or null when LLM_AB_BUCKETS does not split it. */
  arms: (name: string) => readonly AbArm[] | null
  /** The per-prompt salt of the A/B hash (`ab_salt` in the YAML). */
  abSalt: (name: string) => string
  lockStatus: () => LockStatus
}

const deepFreeze = <T>(v: T): T => {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const child of Object.values(v)) deepFreeze(child)
    Object.freeze(v)
  }
  return v
}

export const defaultLockPath = (path: string): string => path.replace(/\.ya?ml$/i, '') + '.lock.json'

/**
 * Loads configs/llm_prompts.yaml: YAML + zod + registry rules, content hashes, lock verification
 * and the A/B splits. Throws one-line typed errors (PromptConfigError, PromptLockError,
 * AbSpecError); services call it at start and exit on failure.
 */
export function loadPromptRegistry(path: string, opts: LoadPromptRegistryOptions = {}): LoadedPromptRegistry {
  let source: string
  try {
    source = readFileSync(path, 'utf8')
  } catch (err) {
    throw new PromptConfigError({ file: path }, `cannot read: ${(err as Error).message}`, { cause: err })
  }
  const parsed = parsePromptFile(source, path)
  const lockPath = opts.lockPath ?? defaultLockPath(path)
  const byName = new Map<string, { active: string; salt: string; versions: PromptVersion[] }>()
  for (const [name, def] of Object.entries(parsed.data.prompts)) {
    const versions = def.versions.map((v): PromptVersion =>
      deepFreeze({
        name,
        version: v.version,
        hash: promptContentHash(name, v),
        description: v.description,
        active: v.version === def.active,
        variables: [...v.variables],
        sampling: { ...v.sampling },
        jsonSchema: v.json_schema ?? null,
        system: v.system,
        user: v.user ?? null,
      }),
    )
    byName.set(name, { active: def.active, salt: def.ab_salt, versions })
  }
  const all = [...byName.values()].flatMap((p) => p.versions)
  const lockStatus = computeLockStatus(
    all.map((v) => ({ name: v.name, version: v.version, hash: v.hash })),
    readPromptLock(lockPath),
  )
  if (opts.verifyLock ?? true) {
    const changed = lockStatus.entries.find((e) => e.state === 'changed')
    if (changed !== undefined) {
      const index = byName.get(changed.prompt)?.versions.findIndex((v) => v.version === changed.version) ?? 0
      throw new PromptLockError(parsed.placeOf(['prompts', changed.prompt, 'versions', index]), changedMessage(changed))
    }
  }
  const log = opts.logger?.child({ component: 'prompt-registry' })
  for (const e of lockStatus.entries.filter((e) => e.state === 'unlocked')) {
    log?.warn({ prompt: e.prompt, version: e.version, hash: e.hash }, 'prompt version not in the lock yet (run `pnpm prompts lock` to publish it)')
  }

  const entry = (name: string) => {
    const p = byName.get(name)
    if (p === undefined) throw new UnknownPromptError(`unknown prompt "${name}" (known: ${[...byName.keys()].join(', ')})`)
    return p
  }
  const get = (name: string, version: string): PromptVersion => {
    const p = entry(name)
    const v = p.versions.find((x) => x.version === version)
    if (v === undefined) throw new UnknownPromptError(`prompt "${name}" has no version "${version}" (versions: ${p.versions.map((x) => x.version).join(', ')})`)
    return v
  }
  const active = (name: string): PromptVersion => get(name, entry(name).active)
  const versions = (name: string): PromptVersion[] => [...entry(name).versions]
  const names = (): string[] => [...byName.keys()]
  const splits: AbSplits = parseAbBuckets(opts.abBuckets, { names, versions })

  const choose = (name: string, unitKey: string): ArmChoice => {
    const arms = splits.get(name)
    if (arms === undefined) return { version: active(name).version, arm: null, bucket: null }
    const bucket = abBucket(name, entry(name).salt, unitKey)
    const arm = armForBucket(arms, bucket)
    return { version: arm.version, arm: arm.version, bucket }
  }

  const render = (name: string, vars: Record<string, unknown>, ro: { version?: string; unitKey?: string } = {}): RenderedPrompt => {
    let choice: ArmChoice
    if (ro.version !== undefined) {
      choice = { version: get(name, ro.version).version, arm: null, bucket: null }
    } else if (splits.has(name)) {
      const unitKey =
        ro.unitKey ?? (typeof vars.symbol === 'string' && typeof vars.asof === 'string' ? abUnitKey({ symbol: vars.symbol, asof: vars.asof }) : undefined)
      if (unitKey === undefined) {
        throw new PromptRenderError(
          name,
          active(name).version,
          'unitKey',
          'is split by LLM_AB_BUCKETS but no unit key was given (pass unitKey, or symbol and asof)',
        )
      }
      choice = choose(name, unitKey)
    } else {
      choice = { version: active(name).version, arm: null, bucket: null }
    }
    const v = get(name, choice.version)
    const messages: RenderedPrompt['messages'] = [{ role: 'system', content: v.system }]
    if (v.user !== null) {
      const content = fillTemplate(v.user, vars, (variable) => {
        throw new PromptRenderError(name, v.version, variable, `missing variable "${variable}" (needs: ${v.variables.join(', ')})`)
      })
      messages.push({ role: 'user', content })
    }
    return { prompt: name, version: v.version, hash: v.hash, arm: choice.arm, bucket: choice.bucket, messages, sampling: v.sampling, jsonSchema: v.jsonSchema }
  }

  return {
    path,
    lockPath,
    names,
    versions,
    active,
    get,
    choose,
    render,
    arms: (name) => {
      entry(name)
      return splits.get(name) ?? null
    },
    abSalt: (name) => entry(name).salt,
    lockStatus: () => lockStatus,
  }
}
