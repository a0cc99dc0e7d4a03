import type { Env } from '@pulsetrade/config'
import { createLogger } from '@pulsetrade/config'
import pino, { type Logger } from 'pino'
import { loadConfig, type ForecastConfig } from '../config'
import { openDatabase, type OpenDatabase } from '../open-database'

/** What a command gets from cli.ts: the environment and where to write. */
export interface CliContext {
  env: Env
  out: (line: string) => void
  err: (line: string) => void
  /** stdout is a terminal (progress bar instead of throughput lines). */
  isTTY: boolean
}

/** Config with the CLI's quieter default log level; logs go to stderr so stdout stays the command's output. */
export function cliSetup(ctx: CliContext): { config: ForecastConfig; logger: Logger } {
  const config = loadConfig({ LOG_LEVEL: 'error', ...ctx.env })
  const logger = createLogger(config, 'forecast', pino.destination({ dest: 2, sync: true }))
  return { config, logger }
}

export async function cliDatabase(config: ForecastConfig, logger: Logger, poolMax = 10): Promise<OpenDatabase> {
  return openDatabase({
    databaseUrl: config.DATABASE_URL,
    embeddedPort: config.EMBEDDED_PG_PORT,
    embeddedDataDir: config.EMBEDDED_PG_DATA_DIR,
    poolMax,
    logger,
    name: 'pulsetrade-forecast-cli',
  })
}
