import { createPrng } from './prng'
import { tokenizeText } from './tokenizer'

const WORDS = (
  'the market momentum volatility remains elevated while price action suggests a cautious stance ' +
  'on the position given recent returns and volume trends across the sector with risk skewed ' +
  'to the downside if support breaks although earnings revisions and breadth point higher over ' +
  'the horizon so sizing should stay modest until the signal confirms liquidity is adequate and ' +
  'spreads are tight but macro data could shift sentiment quickly investors should watch rates ' +
  'inflation guidance and the relative strength of the index against its moving average'
).split(' ')

const cache = new Map<string, string[]>()
const CACHE_MAX = 2048

/**
 * Deterministic prose of exactly `tokens` tokens (as tokenizeText counts them) for a seed.
 * Sentences of 8-20 words; the same (seed, tokens) always gives the same pieces.
 */
export function textAnswerPieces(seed: number, tokens: number): string[] {
  const key = `${seed}:${tokens}`
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const prng = createPrng(seed)
  const parts: string[] = []
  let approx = 0
  // Each word is 1-2 tokens; overshoot, then cut the token list to the exact length.
  while (approx < tokens + 4) {
    const len = prng.int(8, 20)
    for (let i = 0; i < len; i++) {
      const w = WORDS[prng.int(0, WORDS.length - 1)] as string
      parts.push(i === 0 ? (parts.length > 0 ? ' ' : '') + w.charAt(0).toUpperCase() + w.slice(1) : ` ${w}`)
    }
    parts.push('.')
    approx += len + 1
  }
  let pieces = tokenizeText(parts.join(''))
  while (pieces.length < tokens) pieces = pieces.concat(tokenizeText(' and more.'))
  const out = pieces.slice(0, tokens)
  if (cache.size >= CACHE_MAX) cache.clear()
  cache.set(key, out)
  return out
}
