import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { Db } from '@pulsetrade/db'
import type { ChatMessage, Sampling } from '../types'

/** Bump when the key's composition changes: old entries then simply stop matching. */
export const KEY_SCHEMA_VERSION = 1

/** The request as the upstream will see it, after every default is applied. */
export interface EffectiveRequest {
  /** chat (ChatResult stored) or structured (LlmResult stored). */
  mode: 'chat' | 'structured'
  model: string
  messages: ChatMessage[]
  sampling: { temperature: number, top_p: number, max_tokens: number, seed: number | null, stop: string[] | null }
  response_format: unknown
  prompt_hash: string | null
}

export function effectiveSampling (s: Sampling): EffectiveRequest['sampling'] {
  return { temperature: s.temperature, top_p: s.top_p, max_tokens: s.max_tokens, seed: s.seed ?? null, stop: s.stop ?? null }
}

/** Only reproducible requests are cached: temperature 0, or a fixed seed. */
export function isDeterministic (s: Sampling): boolean {
  return s.temperature === 0 || s.seed != null
}

/** sha256 (hex) of the RFC 8785 canonical JSON of the effective request and KEY_SCHEMA_VERSION. */
export function cacheKeyOf (req: EffectiveRequest): string {
  const text = canonicalize({ key_schema: KEY_SCHEMA_VERSION, ...req }) as string
  return createHash('sha256').update(text).digest('hex')
}

export interface CacheEntry {
  key: string
  prompt: string
  version: string
  hash: string
  request: EffectiveRequest
  response: unknown
}

export interface ResponseCache {
  /** The stored response, counting the hit; null on a miss. */
  get: (key: string) => Promise<unknown>
  /** Stores or overwrites (force) the entry. */
  put: (entry: CacheEntry) => Promise<void>
}

/** The llm_cache table. */
export function createResponseCache (db: Db): ResponseCache {
  return {
    get: async (key) => {
      const r = await db.query<{ response: unknown }>('UPDATE llm_cache SET hits = hits + 1 WHERE key = $1 RETURNING response', [key])
      return r.rows[0]?.response ?? null
    },
    put: async (e) => {
      await db.query(
        `INSERT INTO llm_cache (key, prompt, version, hash, request, response) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO UPDATE SET request = EXCLUDED.request, response = EXCLUDED.response, created_at = now()`,
        [e.key, e.prompt, e.version, e.hash, JSON.stringify(e.request), JSON.stringify(e.response)],
      )
    },
  }
}
