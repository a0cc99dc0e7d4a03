import { z } from 'zod'

/**
 * zod schemas for single environment variables. Each takes the raw string and fails with one
 * message saying the form expected ("expected an integer from 1 to 1024"), which loadEnv turns into
 * `NAME="value": expected ...`. Chain `.default(v)` or `.optional()` as with any zod schema.
 */
function parsed<T>(expected: string, parse: (raw: string) => T | undefined) {
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
  min !== undefined && max !== undefined ? `from ${min} to ${max}` : min !== undefined ? `of at least ${min}` : max !== undefined ? `of at most ${max}` : ''

const inRange = (n: number, min?: number, max?: number): boolean => Number.isFinite(n) && (min === undefined || n >= min) && (max === undefined || n <= max)

/** Visible ASCII only: what an `Authorization: Bearer` header can carry. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/
const TOKEN_NAME = /^[\w.@:+-]{1,64}$/

const httpUrl = (raw: string): string | undefined => {
  if (!URL.canParse(raw)) return undefined
  const u = new URL(raw)
  return u.protocol === 'http:' || u.protocol === 'https:' ? raw.replace(/\/+$/, '') : undefined
}

export const envField = {
  /** Only 1/0/true/false: "yes", "on" or a typo are errors, never silently false. */
  boolean: () => parsed('1, 0, true or false', (raw) => (raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined)),

  int: (o: { min?: number; max?: number } = {}) =>
    parsed(`an integer ${range(o.min, o.max)}`.trim(), (raw) => (/^[-+]?\d+$/.test(raw) && inRange(Number(raw), o.min, o.max) ? Number(raw) : undefined)),

  number: (o: { min?: number; max?: number; aboveMin?: boolean } = {}) =>
    parsed(`a number ${o.aboveMin ? `above ${o.min} up to ${o.max}` : range(o.min, o.max)}`.trim(), (raw) => {
      const n = raw === '' ? Number.NaN : Number(raw)
      if (!inRange(n, o.min, o.max) || (o.aboveMin && n === o.min)) return undefined
      return n
    }),

  port: () => parsed('a port number from 1 to 65535', (raw) => (/^\d+$/.test(raw) && inRange(Number(raw), 1, 65535) ? Number(raw) : undefined)),

  string: (o: { minLength?: number; pattern?: RegExp; describe?: string } = {}) =>
    parsed(o.describe ?? (o.minLength ? `a string of at least ${o.minLength} characters` : 'a string'), (raw) =>
      raw.length >= (o.minLength ?? 0) && (!o.pattern || o.pattern.test(raw)) ? raw : undefined,
    ),

  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    parsed(`one of ${values.join(', ')}`, (raw) => values.find((v) => v === raw.toLowerCase())),

  url: () => parsed('an http(s) URL', httpUrl),

  postgresUrl: () => parsed('a postgres:// or postgresql:// URL', (raw) => (/^postgres(ql)?:\/\//.test(raw) && URL.canParse(raw) ? raw : undefined)),

  /**
   * A bearer token: at least `minLength` visible ASCII characters and nothing else. A token with
   * whitespace inside (a pasted line break, `abc def`) is refused at start: no client could ever
   * send it in an `Authorization: Bearer` header, so the service would 401 every request.
   */
  token: (o: { minLength?: number } = {}) =>
    parsed(`a token of at least ${o.minLength ?? 16} visible ASCII characters, without spaces`, (raw) =>
      raw.length >= (o.minLength ?? 16) && TOKEN_CHARS.test(raw) ? raw : undefined,
    ),

  /**
   * Named bearer tokens, comma-separated: `name=token` (the name is who the token acts as, e.g. in
   * audit_log) or a bare token (named by its fingerprint). Each token as `token()`; names are
   * [A-Za-z0-9_.@:+-]{1,64}; neither names nor tokens may repeat.
   */
  namedTokens: (o: { minLength?: number } = {}) =>
    parsed(
      `a comma-separated list of tokens or name=token pairs (tokens of at least ${o.minLength ?? 16} visible ASCII characters without spaces or commas; names of [A-Za-z0-9_.@:+-])`,
      (raw) => {
        const out: Array<{ name: string | null; token: string }> = []
        for (const item of raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          const eq = item.indexOf('=')
          const named = eq > 0 && TOKEN_NAME.test(item.slice(0, eq))
          const name = named ? item.slice(0, eq) : null
          const token = named ? item.slice(eq + 1) : item
          if (token.length < (o.minLength ?? 16) || !TOKEN_CHARS.test(token)) return undefined
          out.push({ name, token })
        }
        const names = out.map((t) => t.name).filter((n) => n !== null)
        if (out.length === 0 || new Set(out.map((t) => t.token)).size !== out.length || new Set(names).size !== names.length) return undefined
        return out
      },
    ),

  /** Comma-separated values, trimmed, empty items dropped. */
  list: (o: { minItems?: number } = {}) =>
    parsed(`a comma-separated list${o.minItems ? ` of at least ${o.minItems} item(s)` : ''}`, (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      return items.length >= (o.minItems ?? 0) ? items : undefined
    }),

  /** Comma-separated http(s) URLs (at least one), trailing slashes removed. */
  urlList: () =>
    parsed('a comma-separated list of http(s) URLs', (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map(httpUrl)
      return items.length > 0 && items.every((u) => u !== undefined) ? (items as string[]) : undefined
    }),
}
