import path from 'node:path'
import { commonEnv, ConfigError, loadDotEnv, loadEnv } from '@pulsetrade/config'
import { APP_DATABASE, embeddedUrl, REPO_ROOT, startEmbeddedPostgres, stopEmbeddedPostgres } from './embedded'
import { ensureDatabase } from './ensure-database'
import { migrate } from './migrate'

const USAGE = `usage: tsx libs/db/src/cli.ts <command>
  migrate           apply pending migrations to DATABASE_URL, or to the embedded Postgres when it is unset
  embedded start    start (or reuse) the embedded Postgres and leave it running; prints its DATABASE_URL
  embedded stop     stop the embedded Postgres of EMBEDDED_PG_DATA_DIR (whoever started it)
  embedded url      print the DATABASE_URL of the embedded Postgres
env (or .env): DATABASE_URL, EMBEDDED_PG_PORT (5433), EMBEDDED_PG_DATA_DIR (<repo>/.data/pg)`

const out = (line: string): void => {
  process.stdout.write(`${line}\n`)
}
const log = (line: string): void => {
  process.stderr.write(`[embedded-postgres] ${line}\n`)
}

async function main(args: string[]): Promise<number> {
  loadDotEnv(path.join(REPO_ROOT, '.env'), process.env)
  const env = loadEnv(commonEnv.db, process.env)
  const embedded = { port: env.EMBEDDED_PG_PORT, log, ...(env.EMBEDDED_PG_DATA_DIR ? { dataDir: env.EMBEDDED_PG_DATA_DIR } : {}) }
  const cmd = args.join(' ')
  if (cmd === 'migrate') {
    const pg = env.DATABASE_URL ? null : await startEmbeddedPostgres(embedded)
    try {
      const url = env.DATABASE_URL ?? (await ensureDatabase(pg?.url ?? '', APP_DATABASE))
      const result = await migrate(url, { log: (m) => out(m) })
      out(`migrations: ${result.applied.length} applied, ${result.skipped} already applied`)
    } finally {
      await pg?.stop()
    }
    return 0
  }
  if (cmd === 'embedded start') {
    const pg = await startEmbeddedPostgres(embedded)
    out(`DATABASE_URL=${await ensureDatabase(pg.url, APP_DATABASE)}`)
    return 0
  }
  if (cmd === 'embedded stop') {
    out((await stopEmbeddedPostgres(embedded)) ? 'stopped' : 'not running')
    return 0
  }
  if (cmd === 'embedded url') {
    out(embeddedUrl(env.EMBEDDED_PG_PORT, APP_DATABASE))
    return 0
  }
  process.stderr.write(`${USAGE}\n`)
  return 2
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: Error & { code?: string }) => {
    process.stderr.write(err instanceof ConfigError ? `config error: ${err.message}\n` : `error${err.code ? ` ${err.code}` : ''}: ${err.message}\n`)
    process.exitCode = 1
  },
)
