import fc from 'fast-check'
import { anyJson, anyString, schemaArbitrary, type JsonSchema } from './schema-arbitrary'

export interface FuzzRoute {
  method: string
  url: string
  /** JSON schemas of the request parts, when the route declares them. */
  body?: JsonSchema
  querystring?: JsonSchema
}

export interface FuzzRequest {
  method: string
  url: string
  headers: Record<string, string>
  payload?: string
}

const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,64}$/)
const OTHER_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/octet-stream',
  'application/json, text/plain',
]

/** Percent-encodes the UTF-8 bytes of s (lone surrogates become U+FFFD, as in any real client). */
const enc = (s: string): string =>
  [...Buffer.from(s, 'utf8')]
    .map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('')

/** A query value as a client would send it: primitives as text, anything else as JSON. */
const asText = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : (JSON.stringify(v) ?? ''))

/** Query strings: shaped by the route's schema, random keys, repeated keys, and malformed escapes. */
function queryArbitrary(schema: JsonSchema | undefined): fc.Arbitrary<string> {
  const shaped = schemaArbitrary(schema).map((v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return `q=${enc(asText(v))}`
    return Object.entries(v)
      .map(([k, x]) => `${enc(k)}=${enc(asText(x))}`)
      .join('&')
  })
  const keys = Object.keys(schema?.properties ?? {})
  const key = keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), anyString()) : anyString()
  const pairs = fc.array(fc.tuple(key, anyString()), { maxLength: 4 }).map((ps) => ps.map(([k, x]) => `${enc(k)}=${enc(x)}`).join('&'))
  const malformed = fc.constantFrom(
    '%',
    '%zz',
    '%c3%28',
    'a=%ff%fe',
    '&&&',
    '=',
    'a[b]=1&a[c]=2',
    'a=1&a=2&a=3',
    '__proto__=1',
    'constructor[prototype][x]=1',
    `x=${'9'.repeat(400)}`,
  )
  return fc.oneof(
    { weight: 4, arbitrary: shaped },
    { weight: 2, arbitrary: pairs },
    { weight: 1, arbitrary: malformed },
    { weight: 1, arbitrary: fc.constant('') },
  )
}

/** Bodies: JSON shaped by the route's schema, any JSON, broken JSON, other content types, none. */
function bodyArbitrary(schema: JsonSchema | undefined): fc.Arbitrary<{ type: string | null; payload: string | undefined }> {
  const json = (a: fc.Arbitrary<unknown>) => a.map((v) => ({ type: 'application/json', payload: JSON.stringify(v) ?? 'null' }))
  return fc.oneof(
    { weight: 6, arbitrary: json(schemaArbitrary(schema)) },
    { weight: 1, arbitrary: json(anyJson()) },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('application/json'),
        payload: fc.oneof(anyString(), fc.constantFrom('{', '{"a":', '[1,', '"\\u12"', '{"__proto__":{"x":1}}')),
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constantFrom(...OTHER_TYPES), payload: anyString() }) },
    { weight: 1, arbitrary: fc.constant({ type: null, payload: undefined }) },
  )
}

/**
 * Generated requests for one route: a query string and a body each time (GET routes get a body
 * too, which the server must ignore), plus the headers the app needs (e.g. its bearer token,
 * missing or wrong now and then) and a random X-Request-Id now and then.
 */
export function requestArbitrary(route: FuzzRoute, headers: fc.Arbitrary<Record<string, string>> = fc.constant({})): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      query: queryArbitrary(route.querystring),
      body: bodyArbitrary(route.body),
      headers,
      requestId: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: headerValue }),
    })
    .map(({ query, body, headers: h, requestId }) => ({
      method: route.method,
      url: query === '' ? route.url : `${route.url}?${query}`,
      headers: {
        ...h,
        ...(body.type === null ? {} : { 'content-type': body.type }),
        ...(requestId === null ? {} : { 'x-request-id': requestId }),
      },
      ...(body.payload === undefined ? {} : { payload: body.payload }),
    }))
}

/** Authorization headers: the right bearer token mostly, sometimes none or a wrong one. */
export const bearerHeaders = (token: string): fc.Arbitrary<Record<string, string>> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant({ authorization: `Bearer ${token}` }) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: headerValue.map((v) => ({ authorization: `Bearer ${v}` })) },
  )
