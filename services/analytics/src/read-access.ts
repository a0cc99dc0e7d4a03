import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, bearerAuth } from '@pulsetrade/http'

/** Who may read /analytics/*: a bearer token, else loopback only unless explicitly public. */
export interface ReadAccessOptions {
  /** ANALYTICS_READ_TOKEN: when set, every request needs `Authorization: Bearer <it>`. */
  token: string | undefined
  /** ANALYTICS_PUBLIC: without a token, answer any address (not only loopback). */
  public: boolean
}

export class ForbiddenError extends ApiError {
  override code = 'API_ERR_FORBIDDEN'
  constructor(message: string) {
    super(403, message)
  }
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/

/** Whether the TCP peer is this host (inject() and local tools count; a proxy in front does not). */
export const isLoopback = (address: string | undefined): boolean => address !== undefined && LOOPBACK.test(address)

/**
 * The hook guarding /analytics/*: each request can cost database work and feeds the shared Lexi
 * summary, so strangers get nothing. With a token: bearer auth. Without: loopback peers only
 * (403 naming the knobs), unless ANALYTICS_PUBLIC=1.
 */
export function readAccess(opts: ReadAccessOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (opts.token !== undefined) return bearerAuth(opts.token)
  if (opts.public) return async () => {}
  return async (request) => {
    if (!isLoopback(request.socket.remoteAddress)) {
      throw new ForbiddenError('analytics answers only this host; set ANALYTICS_READ_TOKEN (or ANALYTICS_PUBLIC=1) to serve others')
    }
  }
}
