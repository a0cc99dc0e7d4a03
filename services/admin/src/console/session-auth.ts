import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Db } from '@pulsetrade/db'
import { ApiError, UnauthorizedError } from '@pulsetrade/http'
import { insertAudit } from '../audit-log'
import { SESSION_COOKIE, type ConsoleSession, type SessionStore } from './session-store'

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session that authenticated this request (cookie); undefined for bearer requests. */
    consoleSession?: ConsoleSession
    /** The raw session id of that cookie (for logout). */
    consoleSessionId?: string
  }
}

/** Header carrying the session's CSRF token on state-changing cookie requests. */
export const CSRF_HEADER = 'x-csrf-token'

/** Methods that change nothing: cookie requests with them need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** A state-changing cookie request without the session's CSRF token. */
export class CsrfError extends ApiError {
  override code = 'CSRF'
  constructor(message: string) {
    super(403, message)
  }
}

/** A cookie that names no valid session (expired, logged out, token rotated). */
export class SessionEndedError extends UnauthorizedError {
  constructor() {
    super('console session expired or ended: log in again (POST /console/session)')
  }
}

const sameToken = (presented: string, expected: string): boolean => {
  const a = Buffer.from(presented, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The page's question "am I signed in?" asked with no credentials at all: a plain no. */
export class NoSessionError extends UnauthorizedError {
  constructor() {
    super('no console session: log in (POST /console/session)')
  }
}

/** Where the page asks whether it holds a session: every page load without one asks it. */
const SESSION_PROBE = '/console/session'

/**
 * onRequest hook of every admin route: `Authorization: Bearer` goes to the bearer check as before
 * (throttle, audit, 401/429). Without that header, the `pt_session` cookie is looked up; a valid
 * session makes its actor the request's principal, and a state-changing method must then carry
 * `x-csrf-token` equal to the session's (403 CSRF otherwise, audited). A cookie naming no valid
 * session gets 401 without counting as a failed authentication: it is an ended login, not a guessed
 * token (the console polls, and counting would lock its address out of logging in again).
 * No header and no cookie: the bearer check refuses it (401, audited, throttled).
 */
export function sessionOrBearerAuth(o: {
  sessions: SessionStore
  bearer: (req: FastifyRequest, reply: FastifyReply) => Promise<void>
  db: Db
}): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    const id = req.cookies[SESSION_COOKIE]
    const noCookie = id === undefined || id === ''
    // The page asks GET /console/session on every load; without any credential that is a signed-out
    // page, not a guessed token: 401 without an auth.failed row and without counting toward the
    // per-address throttle (ten reloads of the sign-in page in a minute locked the address out).
    if (noCookie && req.headers.authorization === undefined && req.method === 'GET' && req.routeOptions.url === SESSION_PROBE) throw new NoSessionError()
    if (req.headers.authorization !== undefined || noCookie) return o.bearer(req, reply)
    const session = await o.sessions.find(id)
    if (session === null) {
      req.log.info({ route: req.routeOptions.url ?? null }, 'console session cookie refused: expired or ended')
      throw new SessionEndedError()
    }
    const presented = req.headers[CSRF_HEADER]
    if (SAFE_METHODS.has(req.method) || (typeof presented === 'string' && sameToken(presented, session.csrf))) {
      req.principal = session.actor
      req.consoleSession = session
      req.consoleSessionId = id
      return
    }
    // Refused before the request gets a principal: its route's own audit row is not written, the
    // refusal's is (as a refused bearer token leaves only auth.failed).
    const why = presented === undefined ? `missing ${CSRF_HEADER} header` : `wrong ${CSRF_HEADER} header`
    await insertAudit(o.db, req, {
      actor: session.actor,
      action: 'auth.csrf_failed',
      reason: null,
      details: { failure: why, route: req.routeOptions.url ?? null, method: req.method, address: req.ip, request_id: req.id, status: 403 },
    })
    req.log.warn({ actor: session.actor, route: req.routeOptions.url ?? null, failure: why }, 'console request refused: CSRF')
    throw new CsrfError(`${why}: state-changing console requests must send the session's CSRF token (from POST or GET /console/session)`)
  }
}
