import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Db } from '@pulsetrade/db'
import { actorOf, tokenFingerprint } from '@pulsetrade/http'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The audit_log action name of an admin route, e.g. `llm.replay`. */
    audit?: string
  }
}

const MAX_DETAIL = 500

/** NUL and unpaired surrogates become U+FFFD: Postgres text and jsonb refuse them, and the row must be written. */
const storable = (s: string): string => s.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
const storableJson = (v: unknown): unknown =>
  typeof v === 'string' ? storable(v)
    : Array.isArray(v) ? v.map(storableJson)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [storable(k), storableJson(x)]))
        : v

/** The request fields worth recording, strings capped (never headers: they hold the token). */
function requestDetails (req: FastifyRequest): Record<string, unknown> {
  const pick = (v: unknown): unknown => (typeof v === 'string' && v.length > MAX_DETAIL ? `${v.slice(0, MAX_DETAIL)}…` : v)
  const obj = (o: unknown): Record<string, unknown> | undefined =>
    o !== null && typeof o === 'object' && !Array.isArray(o)
      ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, pick(v)]))
      : undefined
  const out: Record<string, unknown> = {}
  const body = obj(req.body)
  const query = obj(req.query)
  if (body !== undefined) out.body = body
  if (query !== undefined && Object.keys(query).length > 0) out.query = query
  return out
}

/**
 * Writes one audit_log row per authenticated admin request (who, what, why, when, outcome) before
 * the reply leaves, so a caller that reads the log afterwards finds it. Register after the auth hook.
 */
export function installAuditLog (app: FastifyInstance, db: Db): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const action = req.routeOptions.config.audit
    if (action === undefined || reply.statusCode === 401) return payload
    const auth = req.headers.authorization ?? ''
    const token = /^Bearer[ ]+(\S+)/i.exec(auth)?.[1]
    const body = req.body as { reason?: unknown } | undefined
    const reason = typeof body?.reason === 'string' ? storable(body.reason.slice(0, MAX_DETAIL)) : null
    const details = { ...requestDetails(req), status: reply.statusCode, request_id: req.id, ...(token === undefined ? {} : { token: tokenFingerprint(token) }) }
    try {
      await db.query('INSERT INTO audit_log (actor, action, reason, details) VALUES ($1, $2, $3, $4)', [actorOf(req), action, reason, JSON.stringify(storableJson(details))])
    } catch (err) {
      req.log.error({ err, action }, 'audit_log write failed')
    }
    return payload
  })
}
