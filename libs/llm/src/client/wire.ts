/**
 * The OpenAI-compatible wire shapes the client sends and reads (vLLM's /v1 subset). Our own types:
 * the client speaks HTTP itself (upstream.ts); the openai SDK is only a test dependency that proves
 * these stay wire compatible (tools/lexi-sim/test/openai-sdk.test.ts, libs/llm/test/client-wire.test.ts).
 */

export interface WireMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export type ResponseFormat =
  { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean | null } }

/** POST /v1/chat/completions body. Sampling fields are always explicit (vLLM's model defaults never apply). */
export interface ChatCompletionBody {
  model: string
  messages: WireMessage[]
  temperature: number
  top_p: number
  max_tokens: number
  seed?: number
  stop?: string[]
  response_format?: ResponseFormat
  stream?: boolean
  stream_options?: { include_usage: boolean }
  /** vLLM's scheduling priority (lower runs first); only with --scheduling-policy priority. */
  priority?: number
}

export interface WireUsage {
  prompt_tokens: number
  completion_tokens: number
}

export interface ChatCompletion {
  id: string
  model: string
  choices: Array<{ index: number; message: { role: string; content: string | null }; finish_reason: string | null }>
  usage?: WireUsage | null
}

export interface ChatCompletionChunk {
  id: string
  model: string
  choices: Array<{ index: number; delta?: { role?: string; content?: string | null }; finish_reason?: string | null }>
  usage?: WireUsage | null
}

/** One card of GET /v1/models; vLLM adds max_model_len. */
export interface ModelCard {
  id: string
  max_model_len?: number | null
}
