import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { TooManyRequestsError, UnauthorizedError } from './api-error'
import type { AuthFailureThrottle } from './auth-failure-throttle'
import { HttpSetupError } from './http-setup-error'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the bearer token acts as (set by tokenAuth); undefined on routes without it. */
    principal?: string
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/** A short, non-reversible name for a token, safe for logs and audit rows: `token:1a2b3c4d5e6f`. */
export function tokenFingerprint(token: string): string {
  return `token:${digest(token).toString('hex').slice(0, 12)}`
}

/** A token and who it acts as; `name` null means its fingerprint names it. */
export interface NamedToken {
  name: string | null
  token: string
}

/** Why tokenAuth refused a request (for the audit row). */
export type AuthFailure = 'missing' | 'invalid' | 'throttled'

export interface TokenAuthOptions {
  /** Failed attempts per client address; over the limit, 429 before the token is even compared. */
  throttle?: AuthFailureThrottle
  /** Called for each refused request before the 401/429 goes out (e.g. to audit it); errors are the caller's. */
  onFailure?: (request: FastifyRequest, failure: AuthFailure, details: { presented: string | null; firstThrottled: boolean }) => Promise<void> | void
}

/** The token of `Authorization: Bearer <token>`, or null. */
export function presentedToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  const m = typeof header === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null
  return m === null ? null : m[1]!
}

/**
 * onRequest hook requiring `Authorization: Bearer <token>` with one of `tokens`; sets
 * `request.principal` to the token's name (its fingerprint when unnamed). Every token is compared
 * (sha256 digests, timingSafeEqual), so neither which token matched nor its length leaks through
 * timing. Refusals go through `onFailure`; with `throttle`, an address over its limit of failures
 * gets 429 with Retry-After.
 */
export function tokenAuth(tokens: NamedToken[], opts: TokenAuthOptions = {}): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (tokens.length === 0) throw new HttpSetupError('tokenAuth needs at least one token')
  const expected = tokens.map((t) => {
    if (t.token.length === 0 || /\s/.test(t.token)) throw new HttpSetupError('tokenAuth: a token must be non-empty and without whitespace')
    return { name: t.name ?? tokenFingerprint(t.token), digest: digest(t.token) }
  })
  return async (request) => {
    const key = request.ip
    const limited = opts.throttle?.check(key)
    if (limited?.limited === true) {
      await opts.onFailure?.(request, 'throttled', { presented: null, firstThrottled: limited.first })
      const err = new TooManyRequestsError(`too many failed authentications from this address; retry in ${Math.ceil(limited.retryAfterMs / 1000)} s`)
      Object.assign(err.headers, { 'retry-after': String(Math.max(1, Math.ceil(limited.retryAfterMs / 1000))) })
      throw err
    }
    const presented = presentedToken(request)
    let match: string | null = null
    if (presented !== null) {
      const d = digest(presented)
      for (const t of expected) if (timingSafeEqual(d, t.digest) && match === null) match = t.name
    }
    if (match === null) {
      opts.throttle?.fail(key)
      await opts.onFailure?.(request, presented === null ? 'missing' : 'invalid', { presented, firstThrottled: false })
      throw new UnauthorizedError()
    }
    request.principal = match
  }
}
