import { z } from 'zod'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Dispatcher } from 'undici'
import type { Db } from '@pulsetrade/db'

export interface LlmClientOptions {
  /** One base URL (…/v1), a list, or a comma-separated list of replicas. */
  baseURL: string | string[]
  /** @default 'EMPTY' (vLLM without --api-key accepts anything) */
  apiKey?: string
  /** Served model name. @default 'Lexi' */
  model?: string
  /** In-flight requests per client (Lexi's --max-num-seqs). @default 64 */
  concurrency?: number
  /** Callers that may wait for a slot; more fail with LlmQueueFullError. @default 10000 */
  maxQueue?: number
  /**
   * Send vLLM's `priority` field (per call class, lower first). Only for a Lexi started with
   * `--scheduling-policy priority`; one that refuses it is remembered and then sent none. @default false
   */
  priorityScheduling?: boolean
  /** Most slots interactive (chat) calls hold at once in this process. @default min(16, concurrency) */
  interactiveSlots?: number
  /** Most slots batch calls (summary, eval, replay, unlabelled) hold at once. @default concurrency */
  batchSlots?: number
  /** Free slots interactive calls never take (kept for trading, forecast and health). @default concurrency / 8 */
  reservedSlots?: number
  /** Total deadline per call: queue wait, retries and streaming. @default 30000 */
  timeoutMs?: number
  /** Retries after the first attempt (connection errors, 408, 429, 5xx). @default 2 */
  maxRetries?: number
  /** Full-jitter backoff base and cap. @default 200 / 4000 */
  retryBaseMs?: number
  retryMaxMs?: number
  /** The model's context window (LLM_MAX_TOKENS). @default 4096 */
  maxContextTokens?: number
  /** A stream that sends nothing for this long is aborted. @default 10000 */
  streamIdleMs?: number
  /** health() deadline when the caller gives none. @default 2000 */
  healthTimeoutMs?: number
  /** Prompt size before calling: a conservative estimate, or vLLM's POST /tokenize. @default 'estimate' */
  tokenize?: 'estimate' | 'server'
  breaker?: { failureThreshold?: number; cooldownMs?: number }
  /** Root logger; the client logs through child({component:'llm'}). @default silent */
  logger?: Logger
  /** Enables llm_cache and one llm_calls row per upstream attempt. */
  db?: Db
  /** Where metrics are registered. @default a new Registry (client.metrics) */
  metrics?: Registry
  /** Transport per upstream URL (tests). @default an undici Agent sized to the concurrency */
  dispatcher?: (url: string) => Dispatcher
  now?: () => number
  random?: () => number
}

const Numbers = z.object({
  concurrency: z.number().int().min(1).max(10_000).default(64),
  maxQueue: z.number().int().min(0).default(10_000),
  interactiveSlots: z.number().int().min(1).optional(),
  batchSlots: z.number().int().min(1).optional(),
  reservedSlots: z.number().int().min(0).optional(),
  timeoutMs: z.number().int().min(1).default(30_000),
  maxRetries: z.number().int().min(0).max(10).default(2),
  retryBaseMs: z.number().min(0).default(200),
  retryMaxMs: z.number().min(0).default(4_000),
  maxContextTokens: z.number().int().min(16).default(4096),
  streamIdleMs: z.number().int().min(1).default(10_000),
  healthTimeoutMs: z.number().int().min(1).default(2_000),
  failureThreshold: z.number().int().min(1).default(5),
  cooldownMs: z.number().int().min(0).default(5_000),
})

type ParsedNumbers = z.infer<typeof Numbers>
export type ResolvedNumbers = Omit<ParsedNumbers, 'interactiveSlots' | 'batchSlots' | 'reservedSlots'> & {
  interactiveSlots: number
  batchSlots: number
  reservedSlots: number
}

/**
 * createLlmClient was given an unusable option (naming it). A construction error, not a call's:
 * no LlmErrorCode, so it never reaches a fail_reason or an HTTP status.
 */
export class LlmOptionsError extends Error {
  code = 'LLM_ERR_OPTIONS'
  constructor(message: string) {
    super(message)
    this.name = 'LlmOptionsError'
  }
}

/** Splits and checks the base URLs. */
export function parseBaseUrls(baseURL: string | string[]): string[] {
  const list = (Array.isArray(baseURL) ? baseURL : [baseURL])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter((s) => s !== '')
  if (list.length === 0) throw new LlmOptionsError('createLlmClient: baseURL is empty')
  for (const u of list) {
    if (!URL.canParse(u)) throw new LlmOptionsError(`createLlmClient: baseURL "${u}" is not a URL`)
  }
  return list
}

/** Fills defaults and rejects bad values at construction, naming the option. */
export function resolveNumbers(o: LlmClientOptions): ResolvedNumbers {
  const r = Numbers.safeParse({
    concurrency: o.concurrency,
    maxQueue: o.maxQueue,
    interactiveSlots: o.interactiveSlots,
    batchSlots: o.batchSlots,
    reservedSlots: o.reservedSlots,
    timeoutMs: o.timeoutMs,
    maxRetries: o.maxRetries,
    retryBaseMs: o.retryBaseMs,
    retryMaxMs: o.retryMaxMs,
    maxContextTokens: o.maxContextTokens,
    streamIdleMs: o.streamIdleMs,
    healthTimeoutMs: o.healthTimeoutMs,
    failureThreshold: o.breaker?.failureThreshold,
    cooldownMs: o.breaker?.cooldownMs,
  })
  if (!r.success) {
    const i = r.error.issues[0]
    throw new LlmOptionsError(`createLlmClient: option ${i?.path.join('.')}: ${i?.message}`)
  }
  const n = r.data
  // The reserve never leaves interactive calls without a slot: at most concurrency - 1.
  const reservedSlots = Math.min(n.reservedSlots ?? Math.floor(n.concurrency / 8), n.concurrency - 1)
  return {
    ...n,
    reservedSlots,
    interactiveSlots: Math.min(n.interactiveSlots ?? 16, n.concurrency - reservedSlots),
    batchSlots: Math.min(n.batchSlots ?? n.concurrency, n.concurrency),
  }
}
