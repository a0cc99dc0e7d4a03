import { z } from 'zod'

/**
 * zod schemas for single environment variables. Each takes the raw string and fails with one
 * message saying the form expected ("expected an integer from 1 to 1024"), which loadEnv turns into
 * `NAME="value": expected ...`. Chain `.default(v)` or `.optional()` as with any zod schema.
 */
function parsed<T> (expected: string, parse: (raw: string) => T | undefined) {
  const message = `expected ${expected}`
  return z.string({ error: message }).transform((raw, ctx): T => {
    const value = parse(raw.trim())
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    return value
  })
}

const range = (min?: number, max?: number): string =>
  min !== undefined && max !== undefined ? `from ${min} to ${max}`
    : min !== undefined ? `of at least ${min}` : max !== undefined ? `of at most ${max}` : ''

const inRange = (n: number, min?: number, max?: number): boolean =>
  Number.isFinite(n) && (min === undefined || n >= min) && (max === undefined || n <= max)

const httpUrl = (raw: string): string | undefined => {
  if (!URL.canParse(raw)) return undefined
  const u = new URL(raw)
  return u.protocol === 'http:' || u.protocol === 'https:' ? raw.replace(/\/+$/, '') : undefined
}

export const envField = {
  /** Only 1/0/true/false: "yes", "on" or a typo are errors, never silently false. */
  boolean: () => parsed('1, 0, true or false', (raw) =>
    raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined),

  int: (o: { min?: number, max?: number } = {}) => parsed(`an integer ${range(o.min, o.max)}`.trim(), (raw) =>
    /^[-+]?\d+$/.test(raw) && inRange(Number(raw), o.min, o.max) ? Number(raw) : undefined),

  number: (o: { min?: number, max?: number, aboveMin?: boolean } = {}) =>
    parsed(`a number ${o.aboveMin ? `above ${o.min} up to ${o.max}` : range(o.min, o.max)}`.trim(), (raw) => {
      const n = raw === '' ? Number.NaN : Number(raw)
      if (!inRange(n, o.min, o.max) || (o.aboveMin && n === o.min)) return undefined
      return n
    }),

  port: () => parsed('a port number from 1 to 65535', (raw) =>
    /^\d+$/.test(raw) && inRange(Number(raw), 1, 65535) ? Number(raw) : undefined),

  string: (o: { minLength?: number, pattern?: RegExp, describe?: string } = {}) =>
    parsed(o.describe ?? (o.minLength ? `a string of at least ${o.minLength} characters` : 'a string'), (raw) =>
      raw.length >= (o.minLength ?? 0) && (!o.pattern || o.pattern.test(raw)) ? raw : undefined),

  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    parsed(`one of ${values.join(', ')}`, (raw) => values.find((v) => v === raw.toLowerCase())),

  url: () => parsed('an http(s) URL', httpUrl),

  postgresUrl: () => parsed('a postgres:// or postgresql:// URL', (raw) =>
    /^postgres(ql)?:\/\//.test(raw) && URL.canParse(raw) ? raw : undefined),

  /** Comma-separated values, trimmed, empty items dropped. */
  list: (o: { minItems?: number } = {}) =>
    parsed(`a comma-separated list${o.minItems ? ` of at least ${o.minItems} item(s)` : ''}`, (raw) => {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean)
      return items.length >= (o.minItems ?? 0) ? items : undefined
    }),

  /** Comma-separated http(s) URLs (at least one), trailing slashes removed. */
  urlList: () => parsed('a comma-separated list of http(s) URLs', (raw) => {
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean).map(httpUrl)
    return items.length > 0 && items.every((u) => u !== undefined) ? items as string[] : undefined
  }),
}
