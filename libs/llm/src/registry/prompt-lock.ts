import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { z } from 'zod'
import { PromptLockError } from './errors'
import { shortHash } from './content-hash'

/**
 * configs/llm_prompts.lock.json: `{"<name>@<version>": "<sha256 hex>"}`, keys sorted. An entry
 * means the version is published: its content is frozen, stored answers point at its hash.
 */
export type PromptLock = Record<string, string>

const LockFileSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*@\S+$/, { error: 'keys are "<prompt>@<version>"' }),
  z.string().regex(/^[0-9a-f]{64}$/, { error: 'values are sha256 hex digests' }),
)

export const lockKey = (name: string, version: string): string => `${name}@${version}`

/** A missing lock file is an empty lock (nothing published yet). */
export function readPromptLock(path: string): PromptLock {
  if (!existsSync(path)) return {}
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new PromptLockError({ file: path }, `not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  const parsed = LockFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new PromptLockError({ file: path, field: issue?.path.join('.') }, issue?.message ?? 'invalid lock file')
  }
  return parsed.data
}

export interface LockEntryStatus {
  prompt: string
  version: string
  hash: string
  /** The published hash, or null when the version is not in the lock yet. */
  locked: string | null
  state: 'locked' | 'unlocked' | 'changed'
}

export interface LockStatus {
  entries: LockEntryStatus[]
  /** Lock entries whose version is no longer in the YAML (stored answers still point at them). */
  orphans: string[]
}

export function computeLockStatus(versions: ReadonlyArray<{ name: string; version: string; hash: string }>, lock: PromptLock): LockStatus {
  const entries = versions.map((v): LockEntryStatus => {
    const locked = lock[lockKey(v.name, v.version)] ?? null
    const state = locked === null ? 'unlocked' : locked === v.hash ? 'locked' : 'changed'
    return { prompt: v.name, version: v.version, hash: v.hash, locked, state }
  })
  const present = new Set(versions.map((v) => lockKey(v.name, v.version)))
  return {
    entries,
    orphans: Object.keys(lock)
      .filter((k) => !present.has(k))
      .sort(),
  }
}

/** The message for an edited published version (load, check and lock all say the same). */
export const changedMessage = (e: LockEntryStatus): string =>
  `content hash ${shortHash(e.hash)} differs from the published ${shortHash(e.locked ?? '')} in the lock: ` +
  'a published version is immutable; undo the edit, or add it as a new version (bump "version") and run `pnpm prompts lock`'

export const serializeLock = (lock: PromptLock): string =>
  JSON.stringify(Object.fromEntries(Object.entries(lock).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), null, 2) + '\n'

/** Writes through a temporary file and a rename, so a reader never sees half a lock. */
export function writePromptLock(path: string, lock: PromptLock): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, serializeLock(lock))
  renameSync(tmp, path)
}

export interface LockUpdate {
  lock: PromptLock
  /** Versions that become published. */
  added: LockEntryStatus[]
  /** Published versions whose content changed: the update must not be written. */
  refused: LockEntryStatus[]
}

/** Adds unlocked versions; never touches an existing entry (a changed one is refused instead). */
export function planLockUpdate(status: LockStatus, current: PromptLock): LockUpdate {
  const added = status.entries.filter((e) => e.state === 'unlocked')
  const refused = status.entries.filter((e) => e.state === 'changed')
  const lock: PromptLock = { ...current }
  for (const e of added) lock[lockKey(e.prompt, e.version)] = e.hash
  return { lock, added, refused }
}
