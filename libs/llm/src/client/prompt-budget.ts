import { LlmPromptTooLongError } from './errors'
import type { ChatMessage } from '../types'

/** Chat-template tokens per message (`<|im_start|>role\n` … `<|im_end|>\n`). */
const PER_MESSAGE = 5
/** `<|im_start|>assistant\n` opened for the answer. */
const GENERATION_PROMPT = 3
/** Qwen2.5's template adds its default system prompt when none is sent. */
const DEFAULT_SYSTEM = 24

/**
 * A conservative estimate of a chat prompt's token count for Qwen2.5 (Lexi), without a tokenizer:
 * every digit, punctuation mark, symbol and non-ASCII character counts as one token (Qwen splits
 * numbers digit by digit), and runs of letters and spaces count one token per 3 characters (the
 * real average is nearer 4.5). Plus the chat-template overhead per message. It over-counts
 * ordinary text by roughly a third, so a prompt it accepts fits; for an exact count configure
 * `tokenize: 'server'` (vLLM's POST /tokenize).
 */
export function estimatePromptTokens (messages: readonly ChatMessage[]): number {
  let total = GENERATION_PROMPT
  if (!messages.some((m) => m.role === 'system')) total += DEFAULT_SYSTEM
  for (const m of messages) total += PER_MESSAGE + estimateTextTokens(m.content)
  return total
}

export function estimateTextTokens (text: string): number {
  let singles = 0
  let wordish = 0
  for (const ch of text) {
    const c = ch.codePointAt(0) as number
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    if (letter || c === 32) wordish++
    else if (c === 10 || c === 9 || c === 13) wordish++
    else singles++
  }
  return singles + Math.ceil(wordish / 3)
}

/** Throws LlmPromptTooLongError when prompt + max_tokens cannot fit the context window. */
export function checkPromptBudget (promptTokens: number, maxTokens: number, limit: number): void {
  if (promptTokens + maxTokens > limit) throw new LlmPromptTooLongError(promptTokens, maxTokens, limit)
}
