import pino, { type DestinationStream, type Logger } from 'pino'
import pretty from 'pino-pretty'

/** Paths whose values never reach a log line (API keys, bearer tokens, the admin token). */
export const REDACT_PATHS = [
  'apiKey', 'api_key', '*.apiKey', '*.api_key', '*.*.apiKey', '*.*.api_key',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'req.headers.authorization', 'req.headers.cookie',
  'LLM_API_KEY', 'ADMIN_TOKEN', '*.LLM_API_KEY', '*.ADMIN_TOKEN',
]

export interface LoggerConfig { LOG_LEVEL: string, LOG_PRETTY: boolean }

/**
 * The one root logger of a process. JSON lines by default; human-readable only when LOG_PRETTY is
 * set (never inferred from NODE_ENV). `destination` is the test seam (an in-memory stream).
 */
export function createLogger (config: LoggerConfig, service: string, destination?: DestinationStream): Logger {
  const options = {
    level: config.LOG_LEVEL,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  }
  const stream = config.LOG_PRETTY
    ? pretty({ colorize: destination === undefined && process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: destination ?? 1, sync: true })
    : destination
  return stream ? pino(options, stream) : pino(options)
}
