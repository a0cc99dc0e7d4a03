import fc from 'fast-check'

/** The subset of JSON Schema (OpenAPI 3.0 flavour, as z.toJSONSchema writes it) the fuzzer reads. */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  nullable?: boolean
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  pattern?: string
}

/** Strings that tend to break parsers, validators and SQL built by hand. */
const NASTY_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
  '%00',
  '\u0000',
  '\ud800',
  '../../etc/passwd',
  'a NUL \u0000 inside',
  'a lone \ud800 high surrogate',
  'a lone \udc00 low surrogate',
  'SPX\u0000',
  "'; DROP TABLE forecasts; --",
  '<script>',
  'A'.repeat(5_000),
  '😀'.repeat(64),
  '1.0.0',
  '9.9.9',
  '2024-02-30T25:61:00Z',
  '2024-03-01T21:00:00Z',
]
const NASTY_NUMBERS = [0, -0, 1, -1, 0.5, 2 ** 31, -(2 ** 31), 2 ** 53, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e-300]

export const anyString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  )
export const anyNumber = (): fc.Arbitrary<number> =>
  fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...NASTY_NUMBERS))
/** Any JSON value, nasty strings and numbers included. */
export const anyJson = (): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: anyString() }, { weight: 1, arbitrary: anyNumber() })

const typesOf = (s: JsonSchema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : [])

/** Values that fit the schema's shape (often valid, sometimes just off), without the mutation layer. */
function shaped(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const alts: Array<fc.Arbitrary<unknown>> = []
  if (s.const !== undefined) alts.push(fc.constant(s.const))
  if (s.enum) alts.push(fc.constantFrom(...s.enum))
  for (const sub of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) alts.push(schemaArbitrary(sub, depth + 1))
  for (const t of typesOf(s)) {
    if (t === 'object') {
      const fields = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, schemaArbitrary(v, depth + 1)]))
      // Required keys present (the request may pass), or any subset of keys (it may not).
      const record = fc.oneof(
        { weight: 3, arbitrary: fc.record(fields, { requiredKeys: s.required ?? [] }) },
        { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
      )
      const extra = fc.dictionary(anyString(), anyJson(), { minKeys: 1, maxKeys: 2 })
      // Now and then a key the schema does not know (rarely when it forbids them: that only tests one branch).
      const maybeExtra = fc.oneof({ weight: s.additionalProperties === false ? 10 : 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extra })
      alts.push(fc.tuple(record, maybeExtra).map(([r, x]) => ({ ...x, ...r })))
    } else if (t === 'array') {
      alts.push(fc.array(s.items && depth < 4 ? schemaArbitrary(s.items, depth + 1) : anyJson(), { maxLength: 6 }))
    } else if (t === 'string') {
      alts.push(s.pattern === undefined ? anyString() : fc.oneof(fc.stringMatching(new RegExp(s.pattern)), anyString()))
      if (s.maxLength !== undefined) alts.push(fc.string({ minLength: s.maxLength, maxLength: s.maxLength + 2 }))
    } else if (t === 'integer' || t === 'number') {
      alts.push(anyNumber())
      if (s.minimum !== undefined && s.maximum !== undefined) {
        const [lo, hi] = [Math.max(s.minimum, -(2 ** 31)), Math.min(s.maximum, 2 ** 31 - 1)]
        alts.push(t === 'integer' ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }) : fc.double({ min: lo, max: hi, noNaN: true }))
      }
      // Values around each bound, where validation and handlers disagree most often.
      for (const bound of [s.minimum, s.maximum]) {
        if (bound === undefined) continue
        const near = fc.integer({ min: -10, max: 10 }).map((d) => bound + d)
        alts.push(t === 'integer' ? near : fc.oneof(near, fc.double({ min: bound - 1, max: bound + 1, noNaN: true })))
      }
    } else if (t === 'boolean') {
      alts.push(fc.boolean())
    } else if (t === 'null') {
      alts.push(fc.constant(null))
    }
  }
  if (s.nullable) alts.push(fc.constant(null))
  return alts.length > 0 ? fc.oneof(...alts) : anyJson()
}

/**
 * An arbitrary of values for a JSON schema: mostly shaped like it (so validation passes often
 * enough to reach the handler), with any JSON value at any depth now and then (so it often fails).
 */
export function schemaArbitrary(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || depth > 6) return anyJson()
  return fc.oneof({ weight: 8, arbitrary: shaped(schema, depth) }, { weight: 1, arbitrary: anyJson() })
}
