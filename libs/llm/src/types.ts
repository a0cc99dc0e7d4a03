import type { z } from 'zod'
import type { LlmResult } from './contract'
import type { LlmPriorityClass } from './client/priority-class'

/**
 * The public shapes of libs/llm. Implementations: client (createLlmClient), registry
 * (loadPromptRegistry), gate (evaluateGate). Services and tools code against these.
 */

export type ChatRole = 'system' | 'user' | 'assistant'
export interface ChatMessage {
  role: ChatRole
  content: string
}

/** Sampling fields that are always sent explicitly (vLLM applies model defaults to missing ones). */
export interface Sampling {
  temperature: number
  top_p: number
  max_tokens: number
  seed?: number
  stop?: string[]
}

/** What a prompt version rendered for one unit of work; carried into LlmResult for replay. */
export interface PromptRef {
  prompt: string
  version: string
  hash: string
  arm: string | null
  bucket: number | null
}

export interface RenderedPrompt extends PromptRef {
  messages: ChatMessage[]
  sampling: Sampling
  /** JSON schema of the answer (sent as response_format json_schema), or null for free text. */
  jsonSchema: Record<string, unknown> | null
}

export interface CallOptions {
  /** Absolute deadline (epoch ms) for the whole call: queue wait, retries and streaming. */
  deadline?: number
  /** Relative deadline; defaults to the client's timeoutMs. */
  timeoutMs?: number
  signal?: AbortSignal
  /** Bypass the cache read and overwrite the cached entry. */
  force?: boolean
  /** Use the llm_cache table for deterministic requests. @default true when the client has a db */
  cache?: boolean
  /**
   * The call's class on the shared Lexi: trading (policy), forecast (rationale), health,
   * interactive (chat), batch (summary, eval, replay). Orders the wait queue, picks the per-class
   * budget and, with priority scheduling on, vLLM's `priority`. @default 'batch' ('health' for health())
   */
  priorityClass?: LlmPriorityClass
}

export interface ChatRequest {
  messages: ChatMessage[]
  sampling: Sampling
  /** For logging, metrics and llm_calls rows. */
  ref?: PromptRef
}

export interface ChatResult {
  text: string
  finish_reason: string | null
  usage: { prompt_tokens: number; completion_tokens: number }
  request_id: string | null
  latency_ms: number
  cached: boolean
  model: string
}

export interface StreamChunk {
  delta: string
  finish_reason: string | null
}

export interface HealthResult {
  ok: boolean
  reply: string | null
  model: string
  latency_ms: number
  /** Why not ok: `connect ECONNREFUSED 127.0.0.1:8008`, `timeout after 2000 ms`, `reply was "Ok."` ... */
  error: string | null
  /**
   * ok: replied "OK". saturated: the probe ran out of time waiting on a busy Lexi while real calls
   * were still being answered (not a fault). down: anything else (refused, wedged, wrong reply).
   */
  state?: 'ok' | 'saturated' | 'down'
  /** This client's own queue when the probe ended: slots held and callers waiting. */
  queue?: { in_flight: number; waiting: number }
}

export interface LlmClient {
  /** Plain chat completion. Throws typed LlmError subclasses. */
  chat: (req: ChatRequest, opts?: CallOptions) => Promise<ChatResult>
  /** Streamed chat; the iterator throws a typed error on failure and aborts upstream on return(). */
  chatStream: (req: ChatRequest, opts?: CallOptions) => AsyncIterable<StreamChunk>
  /**
   * Structured call: sends response_format json_schema, validates with `schema`, one repair round.
   * Never throws for upstream failures: they come back as ok:false with `error.code`.
   */
  structured: <S extends z.ZodType>(prompt: RenderedPrompt, schema: S, opts?: CallOptions) => Promise<LlmResult<z.infer<S>>>
  /** Health probe: never cached; ok only when the reply is exactly "OK" after trimming. */
  health: (prompt: RenderedPrompt, opts?: CallOptions) => Promise<HealthResult>
  models: (opts?: CallOptions) => Promise<Array<{ id: string; max_model_len: number | null }>>
  close: () => Promise<void>
  /**
   * Upstream failures (connection, timeout, 5xx) any call of this client has seen so far; a health
   * cache drops a success older than the last one.
   */
  upstreamFailures?: () => number
}

export interface PromptVersionInfo {
  name: string
  version: string
  hash: string
  description: string
  active: boolean
  /** Variable names the user template uses. */
  variables: string[]
  sampling: Sampling
  jsonSchema: Record<string, unknown> | null
}

export interface ArmChoice {
  version: string
  arm: string | null
  bucket: number | null
}

export interface PromptRegistry {
  names: () => string[]
  versions: (name: string) => PromptVersionInfo[]
  active: (name: string) => PromptVersionInfo
  get: (name: string, version: string) => PromptVersionInfo
  /** The version for a unit of work: the sticky A/B arm when the prompt is split, else the active one. */
  choose: (name: string, unitKey: string) => ArmChoice
  /**
   * Renders messages + sampling. Version: opts.version, else choose(name, opts.unitKey), else active.
   * Throws naming the variable when one is missing.
   */
  render: (name: string, vars: Record<string, unknown>, opts?: { version?: string; unitKey?: string }) => RenderedPrompt
}
