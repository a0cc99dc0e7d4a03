import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createPool, type Db } from './pool'

/** Test support: fresh databases cloned from a migrated template (graphile-worker style). */

export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`

export interface TestDatabase {
  name: string
  url: string
  pool: Db
  drop: () => Promise<void>
}

/** Creates `<prefix>_<random>` from `template`, with a pool; `drop()` closes the pool and drops it. */
export async function createTestDatabase(adminUrl: string, template: string, prefix = 'pulsetrade_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(adminUrl, `CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}`)
      break
    } catch (err) {
      // Another CREATE DATABASE from the same template can hold it for a moment.
      if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200))
    }
  }
  const url = withDatabase(adminUrl, name)
  const pool = createPool({ connectionString: url, max: 10, applicationName: 'pulsetrade-test' })
  let dropped = false
  return {
    name,
    url,
    pool,
    drop: async () => {
      if (dropped) return
      dropped = true
      await pool.end().catch(() => {})
      await dropDatabase(adminUrl, name)
    },
  }
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await adminQuery(adminUrl, `CREATE DATABASE ${ident(name)}`)
  return withDatabase(adminUrl, name)
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)
}

/** Names of the databases that start with prefix. */
export async function listDatabasesLike(adminUrl: string, prefix: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return (await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix])).rows.map((r) => r.datname)
  } finally {
    await client.end()
  }
}

/** Drops every database whose name starts with prefix (left behind by a killed run). */
export async function dropDatabasesLike(adminUrl: string, prefix: string): Promise<string[]> {
  const names = await listDatabasesLike(adminUrl, prefix)
  for (const n of names) await dropDatabase(adminUrl, n).catch(() => {})
  return names
}

/**
 * Test databases carry the id of the run that made them: `pulsetrade_{tpl,test}_<pid36>_<ms36>...`.
 * Only those of runs whose process is gone (or that are older than maxAgeMs) are dropped, so test
 * runs started side by side on one server never drop each other's databases.
 */
export async function dropAbandonedTestDatabases(adminUrl: string, maxAgeMs = 12 * 3600_000): Promise<string[]> {
  const runOf = /^pulsetrade_(?:tpl|test)_([0-9a-z]+)_([0-9a-z]+)/
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0)
      return true
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM'
    }
  }
  const dropped: string[] = []
  for (const name of await listDatabasesLike(adminUrl, 'pulsetrade_t')) {
    const m = runOf.exec(name)
    const abandoned = !m || !alive(parseInt(m[1] ?? '', 36)) || Date.now() - parseInt(m[2] ?? '', 36) > maxAgeMs
    if (
      abandoned &&
      (await dropDatabase(adminUrl, name).then(
        () => true,
        () => false,
      ))
    )
      dropped.push(name)
  }
  return dropped
}
