import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createPool, type Db } from './pool'

/** Test support: fresh databases cloned from a migrated template (graphile-worker style). */

export function withDatabase (url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

async function adminQuery (adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try { await client.query(sql) } finally { await client.end() }
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`

export interface TestDatabase { name: string, url: string, pool: Db, drop: () => Promise<void> }

/** Creates `<prefix>_<random>` from `template`, with a pool; `drop()` closes the pool and drops it. */
export async function createTestDatabase (adminUrl: string, template: string, prefix = 'pulsetrade_test'): Promise<TestDatabase> {
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

export async function createDatabase (adminUrl: string, name: string): Promise<string> {
  await adminQuery(adminUrl, `CREATE DATABASE ${ident(name)}`)
  return withDatabase(adminUrl, name)
}

export async function dropDatabase (adminUrl: string, name: string): Promise<void> {
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)
}

/** Drops every database whose name starts with prefix (left behind by a killed run). */
export async function dropDatabasesLike (adminUrl: string, prefix: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  let names: string[]
  try {
    names = (await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix])).rows.map((r) => r.datname)
  } finally { await client.end() }
  for (const n of names) await dropDatabase(adminUrl, n).catch(() => {})
  return names
}
