/**
 * A deterministic approximation of Qwen2.5's tokenizer. It is not BPE: it reproduces Qwen's
 * pre-tokenizer split, then cuts each piece into fixed-size chunks. Usage counts, /tokenize and
 * the context-length checks all go through this one file, so they always agree.
 *
 * 1. Split with Qwen2's pre-tokenizer pattern: contractions, a letter run with at most one leading
 *    non-letter, single digits, punctuation runs (with one leading space and trailing newlines),
 *    newline runs, other whitespace runs.
 * 2. Each piece becomes ceil(length / n) tokens: n = 6 for letter runs, 1 for digits, 3 for
 *    punctuation, 4 for whitespace. English prose lands near 4 characters per token.
 * 3. Chat template (ChatML): each message costs `<|im_start|>`, the role, `\n`, its content,
 *    `<|im_end|>`, `\n` (content + 5); the generation prompt `<|im_start|>assistant\n` costs 3.
 *    Without a system message the template injects Qwen's default one.
 */
import { hash32 } from './prng'

export const QWEN_DEFAULT_SYSTEM_PROMPT = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.'
export const SPECIAL_TOKENS: Readonly<Record<string, number>> = {
  '<|endoftext|>': 151643,
  '<|im_start|>': 151644,
  '<|im_end|>': 151645,
}
const VOCAB_SIZE = 151643
const PRETOKENIZE = /'(?:[sStTmMdD]|[rR][eE]|[vV][eE]|[lL][lL])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu
const LETTER = /\p{L}/u
const DIGIT = /\p{N}/u
const SURROGATE = /[\uD800-\uDFFF]/

function chunkSize(piece: string): number {
  if (LETTER.test(piece)) return 6
  if (DIGIT.test(piece)) return 1
  return piece.trim() === '' ? 4 : 3
}

/** The token strings of `text`; joining them gives `text` back. */
export function tokenizeText(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(PRETOKENIZE)) {
    const piece = m[0]
    const n = chunkSize(piece)
    if (piece.length <= n) {
      out.push(piece)
      continue
    }
    const chars = SURROGATE.test(piece) ? Array.from(piece) : piece
    for (let i = 0; i < chars.length; i += n) {
      out.push(typeof chars === 'string' ? chars.slice(i, i + n) : chars.slice(i, i + n).join(''))
    }
  }
  return out
}

const countCache = new Map<string, number>()
const COUNT_CACHE_MAX = 4096

/** Number of tokens of `text` (= tokenizeText(text).length), memoised for repeated prompts. */
export function countTextTokens(text: string): number {
  const hit = countCache.get(text)
  if (hit !== undefined) return hit
  let n = 0
  for (const m of text.matchAll(PRETOKENIZE)) {
    const piece = m[0]
    const size = chunkSize(piece)
    const len = SURROGATE.test(piece) ? Array.from(piece).length : piece.length
    n += Math.ceil(len / size)
  }
  if (countCache.size >= COUNT_CACHE_MAX) countCache.clear()
  countCache.set(text, n)
  return n
}

export interface TemplateMessage {
  role: string
  content: string
}
export interface TemplateOptions {
  addGenerationPrompt?: boolean
  continueFinalMessage?: boolean
}

/** The ChatML token strings the Qwen2.5 template renders for `messages`. */
export function chatTemplatePieces(messages: TemplateMessage[], opts: TemplateOptions = {}): string[] {
  const all = messages[0]?.role === 'system' ? messages : [{ role: 'system', content: QWEN_DEFAULT_SYSTEM_PROMPT }, ...messages]
  const out: string[] = []
  all.forEach((m, i) => {
    out.push('<|im_start|>', m.role, '\n', ...tokenizeText(m.content))
    if (!(opts.continueFinalMessage === true && i === all.length - 1)) out.push('<|im_end|>', '\n')
  })
  if (opts.addGenerationPrompt !== false && opts.continueFinalMessage !== true) out.push('<|im_start|>', 'assistant', '\n')
  return out
}

/** Prompt tokens of a chat request (= chatTemplatePieces(...).length), without building the pieces. */
export function countChatTokens(messages: TemplateMessage[], opts: TemplateOptions = {}): number {
  let n = messages[0]?.role === 'system' ? 0 : countTextTokens(QWEN_DEFAULT_SYSTEM_PROMPT) + 5
  for (const m of messages) n += 5 + countTextTokens(m.content)
  if (opts.continueFinalMessage === true) return n - 2
  return opts.addGenerationPrompt === false ? n : n + 3
}

const idToPiece = new Map<number, string>()
const ID_MAP_MAX = 65536

/** Stable id of a token string; /detokenize can map back ids this process has handed out. */
export function tokenId(piece: string): number {
  const special = SPECIAL_TOKENS[piece]
  if (special !== undefined) return special
  const id = hash32(piece) % VOCAB_SIZE
  if (idToPiece.size >= ID_MAP_MAX) idToPiece.clear()
  idToPiece.set(id, piece)
  return id
}

export function pieceForId(id: number): string | undefined {
  for (const [piece, special] of Object.entries(SPECIAL_TOKENS)) if (special === id) return piece
  return idToPiece.get(id)
}
