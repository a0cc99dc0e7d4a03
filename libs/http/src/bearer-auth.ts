import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { UnauthorizedError } from './api-error'

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/** A short, non-reversible name for a token, safe for logs and audit rows: `token:1a2b3c4d5e6f`. */
export function tokenFingerprint (token: string): string {
  return `token:${digest(token).toString('hex').slice(0, 12)}`
}

/**
 * preHandler requiring `Authorization: Bearer <token>`. Compares sha256 digests with
 * timingSafeEqual, so neither the content nor the length of the token leaks through timing.
 */
export function bearerAuth (token: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (token.length === 0) throw new Error('bearerAuth needs a non-empty token')
  const expected = digest(token)
  return async (request) => {
    const header = request.headers.authorization
    const m = typeof header === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null
    if (m === null || !timingSafeEqual(digest(m[1]!), expected)) throw new UnauthorizedError()
  }
}

const ACTOR_RE = /^[\w.@:+-]{1,64}$/

/**
 * Who to record in audit_log: the X-Actor header when it is a plain name (≤64 chars of
 * [A-Za-z0-9_.@:+-]), else the fingerprint of the bearer token used.
 */
export function actorOf (request: FastifyRequest): string {
  const h = request.headers['x-actor']
  if (typeof h === 'string' && ACTOR_RE.test(h)) return h
  const auth = request.headers.authorization
  const m = typeof auth === 'string' ? /^Bearer[ ]+(\S+)/i.exec(auth) : null
  return m === null ? 'anonymous' : tokenFingerprint(m[1]!)
}
