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

/** The runbook's chat defaults: LLM_TEMPERATURE, LLM_TOP_P, LLM_MAX_OUTPUT_TOKENS. */
export interface ChatDefaults {
  temperature: number
  top_p: number
  /** Also the most a request may ask for: it may lower max_tokens, never raise it. */
  max_tokens: number
}

/**
 * Chat-template control markers: Qwen's `<|im_start|>`, `<|im_end|>`, `<|endoftext|>` and every
 * other `<|name|>` special token (`<|fim_prefix|>`, `<|vision_start|>` ...), which the server's
 * tokenizer would read as real template tokens, letting caller text open a system turn. Caller
 * text carrying one is refused (400 naming the field), not rewritten: a silently edited prompt
 * would hide the attempt from the caller.
 */
export const CONTROL_MARKER = /<\|[^|<>\s]{1,64}\|>/

/** NUL, or a UTF-16 surrogate without its pair (JSON can carry both; Lexi's tokenizer and Postgres cannot). */
const BAD_CHARS = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** A caller's text: non-empty, no NUL or lone surrogate, no chat-template control marker (each a 400 naming the field). */
const CallerText = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    if (BAD_CHARS.test(s)) ctx.addIssue({ code: 'custom', message: 'must not contain NUL characters or unpaired UTF-16 surrogates' })
    const m = CONTROL_MARKER.exec(s)
    if (m) ctx.addIssue({ code: 'custom', message: `must not contain chat-template control markers (found ${JSON.stringify(m[0])})` })
  })

/**
 * POST /llm/chat body: `messages` or `prompt` (exactly one), optional sampling and `stream`. Only
 * `user` and `assistant` messages: the system prompt is ours (the `chat` prompt version).
 */
export function chatBodySchema(limits: ChatLimits, defaults: ChatDefaults) {
  const Message = z.strictObject({
    role: z.enum(['user', 'assistant'], { error: 'expected "user" or "assistant" (the system prompt is the service\'s own)' }),
    content: CallerText,
  })
  const maxTokens = Math.min(limits.maxContextTokens, defaults.max_tokens)
  return z
    .strictObject({
      messages: z.array(Message).min(1).max(limits.maxMessages).optional(),
      prompt: CallerText.optional(),
      temperature: z.number().min(0).max(2).optional(),
      top_p: z.number().gt(0).max(1).optional(),
      max_tokens: z
        .number()
        .int()
        .min(1)
        .max(maxTokens, { error: `at most ${maxTokens} (LLM_MAX_OUTPUT_TOKENS; a request may lower it, not raise it)` })
        .optional(),
      stream: z.boolean().default(false),
    })
    .superRefine((b, ctx) => {
      if ((b.messages === undefined) === (b.prompt === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['messages'], message: 'send exactly one of "messages" or "prompt"' })
      }
    })
}
export type ChatBody = z.infer<ReturnType<typeof chatBodySchema>>

/**
 * The upstream request: the `chat` prompt's system message(s), then the caller's messages.
 * Sampling: the runbook's knobs (LLM_TEMPERATURE, LLM_TOP_P, LLM_MAX_OUTPUT_TOKENS) are the
 * defaults, the caller's fields override them (max_tokens only downwards, checked by the schema);
 * the version's `seed` and `stop` are kept. The other prompts (rationale, policy, summary, health)
 * are not built here and keep their own versioned sampling. Throws 413 over CHAT_MAX_CHARS.
 */
export function buildChatRequest(body: ChatBody, prompts: Pick<PromptRegistry, 'render'>, limits: ChatLimits, defaults: ChatDefaults): ChatRequest {
  const user: ChatMessage[] = body.messages ?? [{ role: 'user', content: body.prompt ?? '' }]
  const chars = user.reduce((n, m) => n + m.content.length, 0)
  if (chars > limits.maxChars) {
    throw new PayloadTooLargeError(`messages hold ${chars} characters; the limit is ${limits.maxChars} (CHAT_MAX_CHARS)`, limits.maxChars)
  }
  const rendered = prompts.render('chat', {})
  const sampling = { ...rendered.sampling, temperature: defaults.temperature, top_p: defaults.top_p, max_tokens: defaults.max_tokens }
  if (body.temperature !== undefined) sampling.temperature = body.temperature
  if (body.top_p !== undefined) sampling.top_p = body.top_p
  if (body.max_tokens !== undefined) sampling.max_tokens = body.max_tokens
  const { prompt, version, hash, arm, bucket } = rendered
  return { messages: [...rendered.messages.filter((m) => m.role === 'system'), ...user], sampling, ref: { prompt, version, hash, arm, bucket } }
}
