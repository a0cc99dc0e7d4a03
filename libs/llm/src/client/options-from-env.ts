import type { LlmClientOptions } from './client-options'

/** The LLM_* settings every process parses (see @pulsetrade/config commonEnv.llm). */
export interface LlmEnvSettings {
  LLM_BASE_URL: string[]
  LLM_API_KEY?: string | undefined
  LLM_MODEL: string
  LLM_CONCURRENCY: number
  LLM_MAX_QUEUE: number
  LLM_TIMEOUT_MS: number
  LLM_MAX_RETRIES: number
  LLM_MAX_TOKENS: number
  /** Send vLLM's `priority` per call class (Lexi runs --scheduling-policy priority). */
  LLM_PRIORITY_SCHEDULING?: boolean | undefined
  /** Per-process class budgets (unset: the client's defaults). */
  LLM_INTERACTIVE_SLOTS?: number | undefined
  LLM_BATCH_SLOTS?: number | undefined
  LLM_RESERVED_SLOTS?: number | undefined
}

/** Client options from the parsed LLM_* settings, so every process maps them the same way. */
export function clientOptionsFromEnv(env: LlmEnvSettings): LlmClientOptions {
  return {
    baseURL: env.LLM_BASE_URL,
    ...(env.LLM_API_KEY !== undefined ? { apiKey: env.LLM_API_KEY } : {}),
    model: env.LLM_MODEL,
    concurrency: env.LLM_CONCURRENCY,
    maxQueue: env.LLM_MAX_QUEUE,
    timeoutMs: env.LLM_TIMEOUT_MS,
    maxRetries: env.LLM_MAX_RETRIES,
    maxContextTokens: env.LLM_MAX_TOKENS,
    priorityScheduling: env.LLM_PRIORITY_SCHEDULING ?? false,
    ...(env.LLM_INTERACTIVE_SLOTS !== undefined ? { interactiveSlots: env.LLM_INTERACTIVE_SLOTS } : {}),
    ...(env.LLM_BATCH_SLOTS !== undefined ? { batchSlots: env.LLM_BATCH_SLOTS } : {}),
    ...(env.LLM_RESERVED_SLOTS !== undefined ? { reservedSlots: env.LLM_RESERVED_SLOTS } : {}),
  }
}
