import type { IncomingMessage } from 'node:http'
import { requestIdOf } from './request-id'

/** Options shared by every service's `Fastify({...})` (besides loggerInstance). */
export interface HttpServerOptions {
  /** Largest accepted request body in bytes (413 above). @default 1 MiB */
  bodyLimit?: number
  /** Whole-request timeout in ms; 0 disables it (needed for long SSE streams). @default 60_000 */
  requestTimeoutMs?: number
}

export function serverOptions(opts: HttpServerOptions = {}): {
  bodyLimit: number
  requestTimeout: number
  keepAliveTimeout: number
  requestIdHeader: false
  genReqId: (req: IncomingMessage) => string
  return503OnClosing: boolean
} {
  return {
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    requestTimeout: opts.requestTimeoutMs ?? 60_000,
    // Longer than the 60 s idle timeout of common load balancers, so they close idle connections first.
    keepAliveTimeout: 72_000,
    // genReqId reads x-request-id itself and keeps it only when it is short and plain.
    requestIdHeader: false,
    genReqId: requestIdOf,
    return503OnClosing: true,
  }
}
