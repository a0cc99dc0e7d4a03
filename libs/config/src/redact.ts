/** Names whose values are secrets: in env variables, query strings and log objects. */
export const SECRET_NAME = /(token|key|secret|password|passwd|pwd|credential|signature|sig|auth)/i

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s,]*)@/gi

/**
 * A URL-ish string with its credentials hidden, whether or not it parses as a URL (a port out of
 * range or a stray space must not print the password): the password of `scheme://user:pass@` (all
 * of the user part when it has no password: it may be a key), and query values whose names look
 * secret (`?api_key=`, `&token=`). Several URLs in one string (a comma list) are each handled.
 */
export function maskUrlCredentials(value: string): string {
  const noUser = value.replace(USERINFO, (_m, scheme: string, info: string) => {
    const colon = info.indexOf(':')
    return colon >= 0 ? `${scheme}${info.slice(0, colon)}:***@` : `${scheme}***@`
  })
  return redactQuery(noUser)
}

/** `path?token=abc&x=1` → `path?token=[redacted]&x=1`: values of query parameters with secret-looking names. */
export function redactQuery(url: string): string {
  return url.replace(/([?&;])([^=&;#\s,]*)=([^&;#\s,]*)/g, (m, sep: string, name: string) => {
    let decoded = name
    try {
      decoded = decodeURIComponent(name)
    } catch {
      /* keep the raw name */
    }
    return SECRET_NAME.test(decoded) ? `${sep}${name}=[redacted]` : m
  })
}

/** A copy of a parsed query object with secret-looking keys' values replaced (for audit rows). */
export function redactQueryObject(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, SECRET_NAME.test(k) ? '[redacted]' : v]))
}
