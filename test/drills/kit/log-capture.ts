import pino, { type Logger } from 'pino'

export interface CapturedLogs {
  logger: Logger
  /** Parsed log lines at or above `level` (pino numbers: 40 warn, 50 error, 60 fatal). */
  atLeast: (level: number) => Array<Record<string, unknown>>
}

/** A real pino logger writing into memory, so a test can read what the service logged. */
export function captureLogs(level = 'warn'): CapturedLogs {
  const lines: string[] = []
  const logger = pino(
    { level },
    {
      write: (s: string) => {
        lines.push(s)
      },
    },
  )
  return {
    logger,
    atLeast: (n) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => typeof l.level === 'number' && l.level >= n),
  }
}
