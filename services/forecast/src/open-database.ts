import { APP_DATABASE, createPool, ensureDatabase, migrate, startEmbeddedPostgres, type Db } from '@pulsetrade/db'
import type { Logger } from 'pino'

export interface OpenDatabase {
  db: Db
  url: string
  close: () => Promise<void>
}

/**
 * The worker's Postgres: DATABASE_URL when set, else the embedded Postgres of `make run` (started
 * or reused). Applies pending migrations (safe when several workers start at once).
 */
export async function openDatabase(o: {
  databaseUrl: string | undefined
  embeddedPort: number
  embeddedDataDir?: string
  poolMax: number
  logger: Logger
  name: string
}): Promise<OpenDatabase> {
  let url = o.databaseUrl
  let stopEmbedded: (() => Promise<void>) | null = null
  if (!url) {
    const pg = await startEmbeddedPostgres({ port: o.embeddedPort, dataDir: o.embeddedDataDir, log: (m) => o.logger.info(m) })
    stopEmbedded = pg.stop
    url = await ensureDatabase(pg.url, APP_DATABASE)
  }
  await migrate(url, { log: (m) => o.logger.info(m) })
  const db = createPool({ connectionString: url, max: o.poolMax, applicationName: o.name })
  return {
    db,
    url,
    close: async () => {
      await db.end().catch(() => {})
      await stopEmbedded?.()
    },
  }
}
