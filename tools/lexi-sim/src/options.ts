import type { Logger } from 'pino'
import type { SimFaults } from './faults'
import type { LatencyKnobs } from './latency-model'
import { DEFAULT_VLLM_VERSION } from './versions'

export interface LexiSimOptions extends Partial<LatencyKnobs> {
  /** @default 0 (any free port); the CLI defaults to 8008 */
  port?: number
  /** @default '127.0.0.1' */
  host?: string
  /** --served-model-name. @default 'Lexi' */
  model?: string
  /** --model (shown as `root` in /v1/models). @default 'Qwen/Qwen2.5-32B-Instruct' */
  root?: string
  /** @default 4096 */
  maxModelLen?: number
  /** @default 64 */
  maxNumSeqs?: number
  /** Behaviour set, see versions.ts. @default '0.10.2' */
  vllmVersion?: string
  /** --api-key: /v1/* then needs `Authorization: Bearer <key>`. @default null */
  apiKey?: string | null
  /** --enable-request-id-headers: echo X-Request-Id on responses. @default false */
  enableRequestIdHeaders?: boolean
  /** --scheduling-policy. @default 'fcfs' */
  schedulingPolicy?: 'fcfs' | 'priority'
  /** Optional admission cap: a request arriving with this many already waiting gets 503. @default null */
  maxQueued?: number | null
  /**
   * KV-cache capacity in tokens (vLLM's num_gpu_blocks x block_size). When running requests need
   * more, vLLM preempts one (see scheduler.ts). @default null (never full: no preemption)
   */
  kvCacheTokens?: number | null
  /** Natural length range of plain-text answers, in tokens. @default [20, 120] */
  textTokens?: readonly [number, number]
  /** Seed for answers, jitter and fault draws. @default 0 */
  seed?: number
  /** pino logger. @default silent */
  logger?: Logger
  faults?: Partial<SimFaults>
}

export type ResolvedOptions = Required<Omit<LexiSimOptions, 'logger' | 'faults' | 'fixedLatencyMs' | 'apiKey' | 'maxQueued' | 'kvCacheTokens'>> & {
  fixedLatencyMs: number | null
  apiKey: string | null
  maxQueued: number | null
  kvCacheTokens: number | null
}

export const DEFAULT_LATENCY: Omit<LatencyKnobs, 'fixedLatencyMs'> = {
  prefillTokensPerSec: 8000,
  itlBaseMs: 25,
  itlPerSeqMs: 0.3,
  jitterSigma: 0.1,
  structuredFirstSchemaPenaltyMs: 150,
  structuredPerTokenOverheadPct: 10,
  timeScale: 1,
}

export class SimOptionsError extends Error {
  readonly code = 'SIM_ERR_OPTIONS'
  constructor(message: string) {
    super(message)
    this.name = 'SimOptionsError'
  }
}

export function resolveOptions(o: LexiSimOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    model: o.model ?? 'Lexi',
    root: o.root ?? 'Qwen/Qwen2.5-32B-Instruct',
    maxModelLen: o.maxModelLen ?? 4096,
    maxNumSeqs: o.maxNumSeqs ?? 64,
    vllmVersion: o.vllmVersion ?? DEFAULT_VLLM_VERSION,
    apiKey: o.apiKey ?? null,
    enableRequestIdHeaders: o.enableRequestIdHeaders ?? false,
    schedulingPolicy: o.schedulingPolicy ?? 'fcfs',
    maxQueued: o.maxQueued ?? null,
    kvCacheTokens: o.kvCacheTokens ?? null,
    textTokens: o.textTokens ?? [20, 120],
    seed: o.seed ?? 0,
    prefillTokensPerSec: o.prefillTokensPerSec ?? DEFAULT_LATENCY.prefillTokensPerSec,
    itlBaseMs: o.itlBaseMs ?? DEFAULT_LATENCY.itlBaseMs,
    itlPerSeqMs: o.itlPerSeqMs ?? DEFAULT_LATENCY.itlPerSeqMs,
    jitterSigma: o.jitterSigma ?? DEFAULT_LATENCY.jitterSigma,
    structuredFirstSchemaPenaltyMs: o.structuredFirstSchemaPenaltyMs ?? DEFAULT_LATENCY.structuredFirstSchemaPenaltyMs,
    structuredPerTokenOverheadPct: o.structuredPerTokenOverheadPct ?? DEFAULT_LATENCY.structuredPerTokenOverheadPct,
    timeScale: o.timeScale ?? DEFAULT_LATENCY.timeScale,
    fixedLatencyMs: o.fixedLatencyMs ?? null,
  }
  const positive: Array<keyof ResolvedOptions> = ['maxModelLen', 'maxNumSeqs', 'prefillTokensPerSec']
  for (const k of positive) if (!(Number(r[k]) >= 1)) throw new SimOptionsError(`${k} must be >= 1, got ${String(r[k])}`)
  const nonNegative: Array<keyof ResolvedOptions> = [
    'itlBaseMs',
    'itlPerSeqMs',
    'jitterSigma',
    'structuredFirstSchemaPenaltyMs',
    'structuredPerTokenOverheadPct',
    'timeScale',
  ]
  for (const k of nonNegative) if (!(Number(r[k]) >= 0)) throw new SimOptionsError(`${k} must be >= 0, got ${String(r[k])}`)
  if (r.kvCacheTokens !== null && !(Number.isInteger(r.kvCacheTokens) && r.kvCacheTokens >= r.maxModelLen)) {
    throw new SimOptionsError(`kvCacheTokens must be an integer >= maxModelLen (${r.maxModelLen}), got ${r.kvCacheTokens}`)
  }
  if (r.fixedLatencyMs !== null && !(r.fixedLatencyMs >= 0)) throw new SimOptionsError(`fixedLatencyMs must be >= 0, got ${r.fixedLatencyMs}`)
  if (!(r.textTokens[0] >= 1 && r.textTokens[1] >= r.textTokens[0])) throw new SimOptionsError('textTokens must be [min >= 1, max >= min]')
  return r
}
