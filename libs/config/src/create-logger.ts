import pino, { type DestinationStream, type Logger } from 'pino'
import pretty from 'pino-pretty'
import { redactQuery } from './redact'

/** Paths whose values never reach a log line (API keys, bearer tokens, the admin token). */
export const REDACT_PATHS = [
  'apiKey',
  'api_key',
  '*.apiKey',
  '*.api_key',
  '*.*.apiKey',
  '*.*.api_key',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'LLM_API_KEY',
  'ADMIN_TOKEN',
  '*.LLM_API_KEY',
  '*.ADMIN_TOKEN',
  'ADMIN_TOKENS',
  '*.ADMIN_TOKENS',
  'CHAT_TOKENS',
  '*.CHAT_TOKENS',
]

interface RequestLike {
  raw?: unknown
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

/**
 * How a request appears in log lines (fastify's `{req}` on "incoming request"): its own fields as
 * fastify logs them, but the URL with secret-looking query values (`?token=`, `?api_key=`)
 * replaced by `[redacted]`, so a token sent in a query string never reaches a log line.
 */
export function serializeRequest(req: RequestLike): unknown {
  if (req === null || typeof req !== 'object') return req
  // A plain object logged as `req` (not fastify's request): kept as is, the URL redacted.
  if (req.raw === undefined) return typeof req.url === 'string' ? { ...req, url: redactQuery(req.url) } : req
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactQuery(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }
}

export interface LoggerConfig {
  LOG_LEVEL: string
  LOG_PRETTY: boolean
}

/**
 * The one root logger of a process. JSON lines by default; human-readable only when LOG_PRETTY is
 * set (never inferred from NODE_ENV). `destination` is the test seam (an in-memory stream).
 */
export function createLogger(config: LoggerConfig, service: string, destination?: DestinationStream): Logger {
  const options = {
    level: config.LOG_LEVEL,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
  }
  const stream = config.LOG_PRETTY
    ? pretty({
        colorize: destination === undefined && process.stdout.isTTY,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
        destination: destination ?? 1,
        sync: true,
      })
    : destination
  return stream ? pino(options, stream) : pino(options)
}
