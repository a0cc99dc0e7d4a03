import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import pg from 'pg'
import { MigrationError } from './db-errors'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url))
const FILE_RE = /^(\d{4})_[a-z0-9_]+\.sql$/
// Any constant works; it only has to be the same in every process that migrates this schema.
const LOCK_KEY = 7_460_231

export interface Migration {
  id: number
  name: string
  sql: string
}
export interface MigrateResult {
  applied: string[]
  skipped: number
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const out: Migration[] = []
  for (const name of files) {
    const m = FILE_RE.exec(name)
    if (!m) throw new MigrationError(`migration file name "${name}" does not match NNNN_verb_object.sql`)
    const id = Number(m[1])
    if (out.some((x) => x.id === id)) throw new MigrationError(`two migrations share the number ${m[1]}`)
    out.push({ id, name, sql: await readFile(path.join(dir, name), 'utf8') })
  }
  return out
}

/**
 * Applies every pending migration, each in its own transaction, recording it in schema_migrations.
 * A session advisory lock serialises concurrent runners: the second waits, then finds nothing to do.
 */
export async function migrate(connectionString: string, opts: { dir?: string; log?: (msg: string) => void } = {}): Promise<MigrateResult> {
  const migrations = await listMigrations(opts.dir)
  const client = new pg.Client({ connectionString, application_name: 'pulsetrade-migrate' })
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const done = new Set((await client.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id))
    const applied: string[] = []
    for (const m of migrations) {
      if (done.has(m.id)) continue
      try {
        await client.query('BEGIN')
        await client.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name])
        await client.query(m.sql)
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err })
      }
      applied.push(m.name)
      opts.log?.(`applied ${m.name}`)
    }
    return { applied, skipped: migrations.length - applied.length }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {})
    await client.end()
  }
}
