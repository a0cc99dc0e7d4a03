import canonicalize from 'canonicalize'

/**
 * RFC 8785 (JSON Canonicalization Scheme): keys sorted by UTF-16 code units, no whitespace,
 * numbers in ECMAScript shortest form. The same value always gives the same text, in any language
 * that implements JCS, so hashes over it can be recomputed outside this codebase.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value)
  if (text === undefined) throw new TypeError('value has no JSON representation')
  return text
}
