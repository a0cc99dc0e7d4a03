import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Db } from '@pulsetrade/db'
import { actorOf, UnauthorizedError, type ZodTypeProvider } from '@pulsetrade/http'
import { insertAudit } from '../audit-log'
import { SESSION_COOKIE, type ConsoleSession, type SessionStore } from '../console/session-store'

const LoginBody = z.strictObject({
  /** ADMIN_TOKEN, or the token of an ADMIN_TOKENS entry. */
  token: z.string().min(1, 'the admin token').max(4096),
})
const SessionReply = z.object({
  /** Who this session acts as in audit_log and trading_state.changed_by. */
  actor: z.string(),
  /** Send it as `x-csrf-token` on every state-changing request made with the cookie. */
  csrf: z.string(),
  expires_at: z.string(),
})

const view = (s: ConsoleSession): z.infer<typeof SessionReply> => ({ actor: s.actor, csrf: s.csrf, expires_at: s.expires_at.toISOString() })

export interface ConsoleLoginOptions {
  db: Db
  sessions: SessionStore
  /** The admin bearer check (same throttle and audit as every admin route). */
  bearer: (req: FastifyRequest, reply: FastifyReply) => Promise<void>
  /** CONSOLE_COOKIE_SECURE. */
  secureCookie: boolean
}

/**
 * POST /console/session: log in with an admin token. Open (it is the way in), so it lives outside
 * the authenticated scope; the token is checked by the same bearer check as every admin route, so a
 * wrong token is throttled per address and audited as auth.failed like a wrong bearer token.
 */
export async function consoleLoginRoutes(scope: FastifyInstance, opts: ConsoleLoginOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  app.post(
    '/console/session',
    {
      schema: {
        tags: ['console'],
        summary: 'Log in to the operator console with an admin token: sets the HttpOnly session cookie and returns the CSRF token',
        security: [],
        body: LoginBody,
        response: { 200: SessionReply },
      },
    },
    async (req, reply) => {
      // The body's token is checked exactly as a bearer header would be (constant-time compare of
      // every token, throttle, audit of the failure); the header exists only for that call.
      req.headers.authorization = `Bearer ${req.body.token}`
      try {
        await opts.bearer(req, reply)
      } finally {
        delete req.headers.authorization
      }
      const actor = actorOf(req)
      const { id, session } = await opts.sessions.create({ actor, token: req.body.token, address: req.ip })
      await insertAudit(opts.db, req, {
        actor,
        action: 'console.login',
        reason: null,
        details: { address: req.ip, request_id: req.id, expires_at: session.expires_at.toISOString(), status: 200 },
      })
      reply.setCookie(SESSION_COOKIE, id, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: opts.secureCookie,
        expires: session.expires_at,
      })
      reply.header('cache-control', 'no-store')
      return view(session)
    },
  )
}

/** GET and DELETE /console/session: registered inside the authenticated scope (DELETE needs the CSRF token there). */
export async function consoleSessionRoutes(scope: FastifyInstance, opts: { sessions: SessionStore; secureCookie: boolean }): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  const sessionOf = (req: FastifyRequest): ConsoleSession => {
    if (req.consoleSession === undefined) throw new UnauthorizedError('no console session: this route reads the session cookie (POST /console/session)')
    return req.consoleSession
  }
  app.get(
    '/console/session',
    { schema: { tags: ['console'], summary: 'The current console session (its actor, CSRF token and end)', response: { 200: SessionReply } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store')
      return view(sessionOf(req))
    },
  )
  app.delete(
    '/console/session',
    {
      config: { audit: 'console.logout' },
      schema: {
        tags: ['console'],
        summary: 'Log out: the session ends and its cookie is refused from then on (x-csrf-token required)',
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      sessionOf(req)
      await opts.sessions.remove(req.consoleSessionId!)
      reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: opts.secureCookie })
      return reply.code(204).send(null)
    },
  )
}
