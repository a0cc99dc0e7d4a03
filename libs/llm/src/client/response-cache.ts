import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { createBatcher, type Db } from '@pulsetrade/db'
import type { ChatMessage, Sampling } from '../types'

/** Bump when the key's composition changes: old entries then simply stop matching. */
export const KEY_SCHEMA_VERSION = 1

/** The request as the upstream will see it, after every default is applied. */
export interface EffectiveRequest {
  /** chat (ChatResult stored) or structured (LlmResult stored). */
  mode: 'chat' | 'structured'
  model: string
  messages: ChatMessage[]
  sampling: { temperature: number; top_p: number; max_tokens: number; seed: number | null; stop: string[] | null }
  response_format: unknown
  prompt_hash: string | null
}

export function effectiveSampling(s: Sampling): EffectiveRequest['sampling'] {
  return { temperature: s.temperature, top_p: s.top_p, max_tokens: s.max_tokens, seed: s.seed ?? null, stop: s.stop ?? null }
}

/** Only reproducible requests are cached: temperature 0, or a fixed seed. */
export function isDeterministic(s: Sampling): boolean {
  return s.temperature === 0 || s.seed != null
}

/** sha256 (hex) of the RFC 8785 canonical JSON of the effective request and KEY_SCHEMA_VERSION. */
export function cacheKeyOf(req: EffectiveRequest): string {
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

/** Entries per statement: reads and writes queued while one runs share the next round trip. */
const BATCH = 256

/** The llm_cache table. Concurrent calls' reads and writes are grouped into multi-row statements. */
export function createResponseCache(db: Db): ResponseCache {
  const reads = createBatcher<string, unknown>({
    maxBatch: BATCH,
    run: async (keys) => {
      // One hit per asking call, also when several calls in the batch ask for the same key.
      const r = await db.query<{ key: string; response: unknown }>(
        `UPDATE llm_cache c SET hits = c.hits + k.n
         FROM (SELECT key, count(*)::int AS n FROM unnest($1::text[]) AS key GROUP BY key) k
        WHERE c.key = k.key
        RETURNING c.key, c.response`,
        [keys],
      )
      const found = new Map(r.rows.map((row) => [row.key, row.response]))
      return keys.map((k) => found.get(k) ?? null)
    },
  })

  const insert = async (entries: CacheEntry[]): Promise<void> => {
    const col = (f: (e: CacheEntry) => string): string[] => entries.map(f)
    await db.query(
      `INSERT INTO llm_cache (key, prompt, version, hash, request, response)
       SELECT key, prompt, version, hash, request::jsonb, response::jsonb
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
           AS t(key, prompt, version, hash, request, response)
       ON CONFLICT (key) DO UPDATE SET request = EXCLUDED.request, response = EXCLUDED.response, created_at = now()`,
      [
        col((e) => e.key),
        col((e) => e.prompt),
        col((e) => e.version),
        col((e) => e.hash),
        col((e) => JSON.stringify(e.request)),
        col((e) => JSON.stringify(e.response)),
      ],
    )
  }
  // Each entry's own outcome: one entry Postgres refuses (a NUL in a jsonb string) must not cost the others theirs.
  const writes = createBatcher<CacheEntry, Error | null>({
    maxBatch: BATCH,
    run: async (entries) => {
      // A key twice in one INSERT … ON CONFLICT DO UPDATE is an error: the later entry wins, as it would in sequence.
      const last = [...new Map(entries.map((e) => [e.key, e])).values()]
      try {
        await insert(last)
        return entries.map(() => null)
      } catch (err) {
        if (last.length === 1) return entries.map(() => err as Error)
        const alone = new Map(
          await Promise.all(
            last.map(
              async (e) =>
                [
                  e.key,
                  await insert([e]).then(
                    () => null,
                    (x: unknown) => x as Error,
                  ),
                ] as const,
            ),
          ),
        )
        return entries.map((e) => alone.get(e.key) ?? null)
      }
    },
  })

  return {
    get: reads.submit,
    put: async (entry) => {
      const err = await writes.submit(entry)
      if (err) throw err
    },
  }
}
