import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Db } from '@pulsetrade/db'
import { redactQueryObject } from '@pulsetrade/config'
import { actorOf, tokenFingerprint, type AuthFailure } from '@pulsetrade/http'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The audit_log action name of an admin route, e.g. `llm.replay`. */
    audit?: string
  }
}

const MAX_DETAIL = 500
/** Nesting kept in an audit row's copy of a body; deeper values are summarised (a 20,000-deep body must not overflow the stack). */
const MAX_DEPTH = 4
const MAX_ITEMS = 50

/** NUL and unpaired surrogates become U+FFFD: Postgres text and jsonb refuse them, and the row must be written. */
const storable = (s: string): string => s.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')

/**
 * A bounded, storable copy of a request value: strings capped at 500 characters, at most 50 items
 * or keys per level and 4 levels (deeper values become a `[depth > 4: …]` note), every string made
 * storable. Recursion is bounded by the depth, whatever the caller sent.
 */
function bounded(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return storable(v.length > MAX_DETAIL ? `${v.slice(0, MAX_DETAIL)}…` : v)
  if (v === null || typeof v !== 'object') return v
  const isArray = Array.isArray(v)
  if (depth >= MAX_DEPTH) return `[depth > ${MAX_DEPTH}: ${isArray ? 'array' : 'object'} not recorded]`
  if (isArray) {
    const items = v.slice(0, MAX_ITEMS).map((x) => bounded(x, depth + 1))
    return v.length > MAX_ITEMS ? [...items, `[${v.length - MAX_ITEMS} more]`] : items
  }
  const entries = Object.entries(v)
  const out = Object.fromEntries(entries.slice(0, MAX_ITEMS).map(([k, x]) => [storable(k.slice(0, 100)), bounded(x, depth + 1)]))
  if (entries.length > MAX_ITEMS) out['…'] = `${entries.length - MAX_ITEMS} more keys`
  return out
}

/** The request fields worth recording (never headers: they hold the token; query values with secret-looking names redacted). */
function requestDetails(req: FastifyRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (req.body !== undefined) out.body = bounded(req.body)
  const query = req.query
  if (query !== null && typeof query === 'object' && Object.keys(query).length > 0) out.query = bounded(redactQueryObject(query as Record<string, unknown>))
  return out
}

/** Writes one audit_log row; a failed write is logged, never thrown (the request's answer does not depend on it). */
export async function insertAudit(
  db: Db,
  req: FastifyRequest,
  row: { actor: string; action: string; reason: string | null; details: Record<string, unknown> },
): Promise<void> {
  try {
    await db.query('INSERT INTO audit_log (actor, action, reason, details) VALUES ($1, $2, $3, $4)', [
      row.actor,
      row.action,
      row.reason,
      JSON.stringify(row.details),
    ])
  } catch (err) {
    req.log.error({ err, action: row.action }, 'audit_log write failed')
  }
}

/**
 * Writes one audit_log row per authenticated admin request (who, what, why, when, outcome) before
 * the reply leaves, so a caller that reads the log afterwards finds it — also when the body did not
 * parse or validate (the row then records what could be read). The actor is the name of the token
 * that authenticated the request. Register after the auth hook.
 */
export function installAuditLog(app: FastifyInstance, db: Db): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const action = req.routeOptions.config.audit
    if (action === undefined || req.principal === undefined) return payload
    // The console polls its read routes every few seconds: those reads are not actions worth a row each.
    if (req.consoleSession !== undefined && (req.method === 'GET' || req.method === 'HEAD')) return payload
    const body = req.body as { reason?: unknown } | undefined
    const reason = typeof body?.reason === 'string' ? storable(body.reason.slice(0, MAX_DETAIL)) : null
    const details = { ...requestDetails(req), status: reply.statusCode, request_id: req.id }
    await insertAudit(db, req, { actor: actorOf(req), action, reason, details })
    return payload
  })
}

/**
 * tokenAuth's onFailure for the admin routes: every refused request gets an `auth.failed` row
 * (actor `anonymous`, the presented token only as a fingerprint), and an address over its limit of
 * failures one `auth.throttled` row per window (not one per request: a flood must not fill the table).
 */
export function auditAuthFailure(db: Db) {
  return async (req: FastifyRequest, failure: AuthFailure, d: { presented: string | null; firstThrottled: boolean }): Promise<void> => {
    if (failure === 'throttled' && !d.firstThrottled) return
    const details = {
      failure,
      route: req.routeOptions.url ?? null,
      method: req.method,
      address: req.ip,
      request_id: req.id,
      status: failure === 'throttled' ? 429 : 401,
      ...(d.presented === null ? {} : { presented: tokenFingerprint(d.presented) }),
    }
    req.log.warn(details, failure === 'throttled' ? 'admin authentication throttled' : 'admin authentication failed')
    await insertAudit(db, req, { actor: 'anonymous', action: failure === 'throttled' ? 'auth.throttled' : 'auth.failed', reason: null, details })
  }
}
