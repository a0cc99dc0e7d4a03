import { generateSync } from 'json-schema-faker'
import { createPrng, hash32, type Prng } from './prng'
import { textAnswerPieces } from './text-answer'

/** Strings longer than this are capped (never below the schema's minLength) to keep answers model-sized. */
const STRING_CAP = 160
const cache = new Map<string, string>()
const CACHE_MAX = 2048
const prepared = new Map<string, Record<string, unknown>>()

/** A copy of the schema whose long `maxLength`s are capped at max(minLength, 160); still valid for the original. */
function capStrings(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(capStrings)
  if (node === null || typeof node !== 'object') return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) out[k] = capStrings(v)
  const isString = out.type === 'string' || (Array.isArray(out.type) && out.type.includes('string'))
  if (isString && out.enum === undefined && out.const === undefined && out.pattern === undefined && out.format === undefined) {
    const min = typeof out.minLength === 'number' ? out.minLength : 0
    const max = typeof out.maxLength === 'number' ? out.maxLength : STRING_CAP
    out.maxLength = Math.max(min, Math.min(max, STRING_CAP))
  }
  return out
}

type Node = Record<string, unknown>
const isPlainString = (n: Node): boolean =>
  n.type === 'string' && n.enum === undefined && n.const === undefined && n.pattern === undefined && n.format === undefined

/** Prose of a length within the node's [minLength, maxLength] (readable, ~4 characters per token). */
function prose(n: Node, prng: Prng): string {
  const min = typeof n.minLength === 'number' ? n.minLength : 0
  const max = typeof n.maxLength === 'number' ? n.maxLength : STRING_CAP
  const want = Math.max(min, Math.min(max, prng.int(12, 140)))
  let text = textAnswerPieces(prng.int(0, 2 ** 30), Math.ceil(want / 3) + 4)
    .join('')
    .trim()
  while (text.length < want) text += ' more'
  return text.slice(0, want).trimEnd().padEnd(min, '.')
}

/**
 * Replaces json-schema-faker's random strings with prose where the schema node is a plain string
 * (objects and arrays are followed; anything else keeps the generated value, which is valid).
 */
function wordify(value: unknown, n: unknown, prng: Prng): unknown {
  if (n === null || typeof n !== 'object') return value
  const node = n as Node
  if (typeof value === 'string' && isPlainString(node)) return prose(node, prng)
  if (Array.isArray(value) && node.items !== null && typeof node.items === 'object') return value.map((v) => wordify(v, node.items, prng))
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && node.properties !== null && typeof node.properties === 'object') {
    const props = node.properties as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = wordify(v, props[k], prng)
    return out
  }
  return value
}

export interface JsonAnswer {
  text: string
  schemaKey: string
}

/** The key a schema's grammar is compiled (and its first-use penalty paid) under. */
export const schemaKeyOf = (schemaText: string): string => hash32(schemaText).toString(16) + schemaText.length.toString(16)

/**
 * A schema-valid instance, chosen deterministically from (schema, seed) by json-schema-faker.
 * Prepared schemas and generated texts are memoised by schema hash.
 */
export function jsonAnswer(schema: Record<string, unknown>, seed: number, schemaText = JSON.stringify(schema)): JsonAnswer {
  const schemaKey = schemaKeyOf(schemaText)
  const key = `${schemaKey}:${seed}`
  const hit = cache.get(key)
  if (hit !== undefined) return { text: hit, schemaKey }
  let s = prepared.get(schemaKey)
  if (s === undefined) {
    s = capStrings(schema) as Record<string, unknown>
    if (prepared.size >= CACHE_MAX) prepared.clear()
    prepared.set(schemaKey, s)
  }
  const text = JSON.stringify(wordify(generateSync(s, { seed: (seed % 2147483646) + 1 }), s, createPrng(seed)))
  if (cache.size >= CACHE_MAX) cache.clear()
  cache.set(key, text)
  return { text, schemaKey }
}

/** Deterministically broken variants of a valid JSON text (the `invalid_json` fault). */
export function corruptJson(text: string, seed: number): string {
  const variant = createPrng(seed).int(0, 2)
  const candidates = [`Here is the JSON you asked for:\n${text}`, text.endsWith('}') ? `${text.slice(0, -1)},}` : `${text},`, text.replace(/"/g, "'")]
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[(variant + i) % candidates.length] as string
    try {
      JSON.parse(c)
    } catch {
      return c
    }
  }
  return `Here is the JSON you asked for:\n${text}`
}

/** The schema is the policy decision's: a `decision` enum of allow and deny. */
export function isPolicySchema(schema: Record<string, unknown> | null): boolean {
  const p = schema?.properties as Record<string, { enum?: unknown }> | undefined
  const e = p?.decision?.enum
  return Array.isArray(e) && e.includes('allow') && e.includes('deny')
}

/**
 * A seeded policy answer whose decision is the prompt's own (the seedless answer's), flipped when
 * `flip`: a temperature-0 model that stays put under a new seed except at the `policy_flip` rate.
 * The rest of the seeded answer (size_factor, reason) is kept.
 */
export function policyAnswer(schema: Record<string, unknown>, seed: number, baseSeed: number, flip: boolean): JsonAnswer {
  const own = jsonAnswer(schema, seed)
  const base = (JSON.parse(jsonAnswer(schema, baseSeed).text) as { decision: string }).decision
  const decision = flip ? (base === 'deny' ? 'allow' : 'deny') : base
  return { text: JSON.stringify({ ...(JSON.parse(own.text) as Record<string, unknown>), decision }), schemaKey: own.schemaKey }
}
