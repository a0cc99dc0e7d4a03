import { canonicalJson } from './canonical-json'

/**
 * How a variable's value is written into a prompt: as DATA, never as instructions.
 * - Every value becomes canonical JSON (strings quoted and escaped), so it cannot start a new
 *   line of instructions or a chat turn.
 * - `<` and `>` are written as \u003c and \u003e, so no value can close (or open) the
 *   `<data>...</data>` style block the template puts it in; the JSON stays valid.
 * - Length caps keep a hostile or runaway value from eating the 4,096-token context.
 * - Numbers keep 6 significant digits (Qwen reads digits one token each; float noise such as
 *   0.30000000000000004 costs tokens and says nothing). Integers are written exactly.
 * The caps are part of the rendering contract: the same stored inputs always give the same text.
 */
export const RENDER_LIMITS = Object.freeze({
  maxStringChars: 200,
  maxKeyChars: 64,
  maxArrayItems: 12,
  maxObjectKeys: 40,
  maxDepth: 4,
  significantDigits: 6,
})

const ELLIPSIS = '…'

/** Lone surrogates cannot be encoded as JSON text: replace them, as String#toWellFormed does. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const capString = (s: string, max: number): string => {
  const chars = Array.from(s.replace(LONE_SURROGATE, '\uFFFD'))
  return chars.length <= max ? chars.join('') : chars.slice(0, max).join('') + ELLIPSIS
}

const capNumber = (n: number): number | null => {
  if (!Number.isFinite(n)) return null
  if (Number.isSafeInteger(n)) return n
  return Number(n.toPrecision(RENDER_LIMITS.significantDigits))
}

/** The capped, JSON-safe copy of a value that the prompt shows. */
export function capValue(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') return capNumber(value)
  if (typeof value === 'string') return capString(value, RENDER_LIMITS.maxStringChars)
  if (typeof value === 'boolean') return value
  if (typeof value === 'bigint') return capString(value.toString(), RENDER_LIMITS.maxStringChars)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (typeof value !== 'object') return null
  if (depth >= RENDER_LIMITS.maxDepth) return ELLIPSIS
  if (Array.isArray(value)) {
    return value.slice(0, RENDER_LIMITS.maxArrayItems).map((v) => capValue(v, depth + 1))
  }
  const out: Record<string, unknown> = {}
  const keys = Object.keys(value).sort().slice(0, RENDER_LIMITS.maxObjectKeys)
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k]
    if (v === undefined) continue
    out[capString(k, RENDER_LIMITS.maxKeyChars)] = capValue(v, depth + 1)
  }
  return out
}

/** The text that replaces `{{name}}` for this value. */
export function renderDataValue(value: unknown): string {
  return canonicalJson(capValue(value)).replaceAll('<', '\\u003c').replaceAll('>', '\\u003e')
}
