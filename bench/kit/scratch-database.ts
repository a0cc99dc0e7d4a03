import { randomBytes } from 'node:crypto'
import { createPool, migrate, startEmbeddedPostgres, type Db } from '@pulsetrade/db'
import { createDatabase, dropDatabase } from '@pulsetrade/db/testing'

export interface ScratchDatabase {
  url: string
  pool: Db
  /** Where it lives: 'DATABASE_URL' or 'embedded'. */
  server: string
  /** Closes the pool, drops the database and stops an embedded server this call started. */
  drop: () => Promise<void>
}

/**
 * A freshly migrated database for one benchmark run, on the server of `adminUrl` (DATABASE_URL)
 * or, without one, on the embedded Postgres of @pulsetrade/db (started or reused).
 */
export async function createScratchDatabase(adminUrl: string | undefined, poolMax = 20): Promise<ScratchDatabase> {
  let admin = adminUrl
  let stopEmbedded: (() => Promise<void>) | null = null
  if (!admin) {
    const pg = await startEmbeddedPostgres()
    admin = pg.url
    stopEmbedded = pg.stop
  }
  const name = `pulsetrade_bench_${randomBytes(5).toString('hex')}`
  const url = await createDatabase(admin, name)
  await migrate(url)
  const pool = createPool({ connectionString: url, max: poolMax, applicationName: 'pulsetrade-bench' })
  const from = admin
  return {
    url,
    pool,
    server: adminUrl ? 'DATABASE_URL' : 'embedded',
    drop: async () => {
      await pool.end().catch(() => {})
      await dropDatabase(from, name)
      await stopEmbedded?.()
    },
  }
}
