import { LlmPromptTooLongError } from './errors'
import type { ChatMessage } from '../types'

/** Chat-template tokens per message (`<|im_start|>role\n` … `<|im_end|>\n`). */
const PER_MESSAGE = 5
/** `<|im_start|>assistant\n` opened for the answer. */
const GENERATION_PROMPT = 3
/** Qwen2.5's template injects this system message when the request has none. */
const QWEN_DEFAULT_SYSTEM = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.'

const PIECE = /[A-Za-z]+|\p{L}|\p{N}|[\r\n]+|[^\S\r\n]+|[^\s\p{L}\p{N}]/gu

/**
 * A conservative token count for Qwen2.5 (Lexi) without its tokenizer. Qwen never merges across
 * these pieces, and this counts each piece at or above what its BPE spends on it:
 * - a run of ASCII letters: one token per 3 letters (real words average 4-6 letters per token);
 * - any other letter (accented, CJK...), digit (Qwen splits numbers digit by digit), punctuation
 *   mark or symbol: one token each (characters outside the BMP, e.g. emoji: two);
 * - a run of newlines: one token per 4; a run of other whitespace: one token plus one per 4 more
 *   characters (Qwen splits a run before a digit or symbol; it usually folds a single space into
 *   the next word, so counting it is the safe side).
 * Ordinary English comes out 30-70% above the true count, numbers exact, so a prompt it accepts
 * fits. For an exact count configure `tokenize: 'server'` (vLLM's POST /tokenize).
 */
export function estimateTextTokens(text: string): number {
  let n = 0
  for (const m of text.matchAll(PIECE)) {
    const p = m[0]
    const c = p.charCodeAt(0)
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) n += Math.ceil(p.length / 3)
    else if (c === 10 || c === 13) n += Math.ceil(p.length / 4)
    else if (/^\s/u.test(p)) n += 1 + Math.ceil((p.length - 1) / 4)
    else n += p.length // 1 for a BMP character, 2 for a surrogate pair
  }
  return n
}

/** Estimated prompt tokens of a chat request, chat template included. */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  let total = GENERATION_PROMPT
  if (messages[0]?.role !== 'system') total += PER_MESSAGE + estimateTextTokens(QWEN_DEFAULT_SYSTEM)
  for (const m of messages) total += PER_MESSAGE + estimateTextTokens(m.content)
  return total
}

/**
 * A bound the estimate never exceeds, in O(messages): every piece above costs at most one token per
 * UTF-16 code unit. When even this fits, the exact estimate is not needed.
 */
export function promptTokensUpperBound(messages: readonly ChatMessage[]): number {
  let total = GENERATION_PROMPT
  if (messages[0]?.role !== 'system') total += PER_MESSAGE + QWEN_DEFAULT_SYSTEM.length
  for (const m of messages) total += PER_MESSAGE + m.content.length
  return total
}

/** Throws LlmPromptTooLongError when prompt + max_tokens cannot fit the context window. */
export function checkPromptBudget(promptTokens: number, maxTokens: number, limit: number): void {
  if (promptTokens + maxTokens > limit) throw new LlmPromptTooLongError(promptTokens, maxTokens, limit)
}
