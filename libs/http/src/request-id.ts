import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** A caller's X-Request-Id is kept only when it is 1-64 characters of [A-Za-z0-9._:-]. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/

/**
 * fastify's genReqId: the caller's `x-request-id` when it is short and plain (so ids can be
 * followed across services), otherwise a fresh random UUID — unique across restarts and
 * processes, unlike fastify's default counter (`req-1`, `req-2`, … again after every start).
 */
export function requestIdOf(req: IncomingMessage): string {
  const h = req.headers['x-request-id']
  return typeof h === 'string' && REQUEST_ID_PATTERN.test(h) ? h : randomUUID()
}
