import { z } from 'zod'
import type { ChatMessage, ChatRequest, PromptRegistry } from '@pulsetrade/llm'
import { PayloadTooLargeError } from '@pulsetrade/http'

export interface ChatLimits {
  /** CHAT_MAX_MESSAGES */
  maxMessages: number
  /** CHAT_MAX_CHARS: total characters over every message. */
  maxChars: number
  /** LLM_MAX_TOKENS: the model context; max_tokens cannot exceed it. */
  maxContextTokens: number
}

/** POST /llm/chat body: `messages` or `prompt` (exactly one), optional sampling and `stream`. */
export function chatBodySchema (limits: ChatLimits) {
  const Message = z.strictObject({
    role: z.enum(['system', 'user', 'assistant']),
    content: z.string().min(1),
  })
  return z.strictObject({
    messages: z.array(Message).min(1).max(limits.maxMessages).optional(),
    prompt: z.string().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    max_tokens: z.number().int().min(1).max(limits.maxContextTokens).optional(),
    stream: z.boolean().default(false),
  }).superRefine((b, ctx) => {
    if ((b.messages === undefined) === (b.prompt === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'send exactly one of "messages" or "prompt"' })
    }
  })
}
export type ChatBody = z.infer<ReturnType<typeof chatBodySchema>>

/**
 * The upstream request: the `chat` prompt's system message(s) and sampling, then the caller's
 * messages; the caller's sampling fields override the prompt's. Throws 413 over CHAT_MAX_CHARS.
 */
export function buildChatRequest (body: ChatBody, prompts: Pick<PromptRegistry, 'render'>, limits: ChatLimits): ChatRequest {
  const user: ChatMessage[] = body.messages ?? [{ role: 'user', content: body.prompt ?? '' }]
  const chars = user.reduce((n, m) => n + m.content.length, 0)
  if (chars > limits.maxChars) {
    throw new PayloadTooLargeError(`messages hold ${chars} characters; the limit is ${limits.maxChars} (CHAT_MAX_CHARS)`, limits.maxChars)
  }
  const rendered = prompts.render('chat', {})
  const sampling = { ...rendered.sampling }
  if (body.temperature !== undefined) sampling.temperature = body.temperature
  if (body.top_p !== undefined) sampling.top_p = body.top_p
  if (body.max_tokens !== undefined) sampling.max_tokens = body.max_tokens
  const { prompt, version, hash, arm, bucket } = rendered
  return { messages: [...rendered.messages.filter((m) => m.role === 'system'), ...user], sampling, ref: { prompt, version, hash, arm, bucket } }
}
