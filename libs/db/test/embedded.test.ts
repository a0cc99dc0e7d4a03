import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startEmbeddedPostgres, stopEmbeddedPostgres, type EmbeddedPostgres } from '@pulsetrade/db'

// A cluster of its own (not the shared .data/pg), on a free port, removed afterwards.
const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const dataDir = path.join(REPO, '.data', `test-embedded-${process.pid}`)
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const logs: string[] = []
const log = (m: string): void => {
  logs.push(m)
}
let port = 0
const started: EmbeddedPostgres[] = []

async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const p = (srv.address() as net.AddressInfo).port
  await new Promise((resolve) => srv.close(resolve))
  return p
}

async function start(): Promise<EmbeddedPostgres> {
  const pgi = await startEmbeddedPostgres({ dataDir, port, log, startTimeoutMs: 30_000 })
  started.push(pgi)
  return pgi
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  await c.connect()
  try {
    return (await c.query(sql)).rows
  } finally {
    await c.end()
  }
}

const postmasterPid = (): number => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
const isRoot = process.getuid?.() === 0
const postgresIds = (): { uid: number; gid: number } => ({
  uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
  gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
})
/** Child pids of pid (Linux /proc). */
const childrenOf = (pid: number): number[] =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      try {
        return (
          Number(
            readFileSync(`/proc/${p}/stat`, 'utf8')
              .replace(/^.*\) /, '')
              .split(' ')[1],
          ) === pid
        )
      } catch {
        return false
      }
    })
/** Running (a zombie waiting to be reaped counts as gone). */
const alive = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z'
  } catch {
    return false
  }
}
async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50))
}

beforeAll(async () => {
  port = await freePort()
})
afterAll(async () => {
  await stopEmbeddedPostgres({ dataDir }).catch(() => {})
  rmSync(dataDir, { recursive: true, force: true })
}, 30_000)

// One cluster's life story: each test starts from the state the one before left (a running server,
// a killed one, a stale pid file), so the order is part of the test, also under --sequence.shuffle.
describe.sequential('startEmbeddedPostgres', { shuffle: false }, () => {
  test('initialises and starts a cluster that accepts connections (owned by the postgres user when root)', async () => {
    const a = await start()
    expect(a.reused).toBe(false)
    expect(await query(a.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    await query(a.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)')
    if (isRoot) expect(statSync(dataDir).uid).toBe(postgresIds().uid)
  }, 40_000)

  test('a second start reuses the running instance and its stop() leaves it running', async () => {
    const b = await start()
    expect(b.reused).toBe(true)
    await b.stop()
    expect(await query(b.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }])
  }, 20_000)

  test('stop() of the starting handle stops the server, and a new start keeps the data', async () => {
    const first = started[0]
    if (!first) throw new Error('first test did not start a server')
    await first.stop()
    await expect(query(first.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/)
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false)
    const again = await start()
    expect(again.reused).toBe(false)
    expect(await query(again.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }])
  }, 40_000)

  test('starts after kill -9 of the postmaster left a stale postmaster.pid and orphaned backends', async () => {
    const pid = postmasterPid()
    // Freeze the backends so they outlive their postmaster (as after a crash under load): they keep
    // the shared memory attached, which makes a plain restart refuse to start.
    const backends = childrenOf(pid)
    expect(backends.length).toBeGreaterThan(0)
    for (const b of backends) {
      try {
        process.kill(b, 'SIGSTOP')
      } catch {
        /* a short-lived backend already exited */
      }
    }
    process.kill(pid, 'SIGKILL')
    await waitGone(pid)
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(true)
    const c = await start()
    try {
      expect(c.reused).toBe(false)
      expect(postmasterPid()).not.toBe(pid)
      expect(backends.filter(alive)).toEqual([])
      expect(await query(c.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }])
    } finally {
      await c.stop()
    }
  }, 40_000)

  test('a postmaster.pid naming a live process that is not postgres does not block the start', async () => {
    // Runs as the server's own user, so PostgreSQL itself would take the pid file for a live server.
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore', ...(isRoot ? postgresIds() : {}) })
    try {
      writeFileSync(path.join(dataDir, 'postmaster.pid'), `${sleeper.pid}\n${dataDir}\n0\n${port}\n\n127.0.0.1\n0 0\nready\n`)
      const d = await start()
      await d.stop()
      expect(d.reused).toBe(false)
      expect(logs.some((l) => l.includes(`pid ${sleeper.pid} belongs to another process`))).toBe(true)
    } finally {
      sleeper.kill('SIGKILL')
    }
  }, 40_000)

  test('two starts at once bring up one server: one starts it, the other reuses it', async () => {
    const [x, y] = await Promise.all([start(), start()])
    try {
      expect([x.reused, y.reused].sort()).toEqual([false, true])
      expect(await query(x.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }])
    } finally {
      await x.stop()
      await y.stop()
    }
  }, 40_000)

  test('a port held by another kind of server fails fast with DB_ERR_PORT_TAKEN', async () => {
    const srv = http.createServer((_req, res) => res.end('not postgres'))
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
    const busy = (srv.address() as net.AddressInfo).port
    try {
      await expect(startEmbeddedPostgres({ dataDir, port: busy, log, startTimeoutMs: 5_000 })).rejects.toMatchObject({ code: 'DB_ERR_PORT_TAKEN' })
    } finally {
      await new Promise((resolve) => srv.close(resolve))
    }
  }, 20_000)
})

describe.sequential('db CLI embedded', () => {
  const cli = (args: string[]): string =>
    execFileSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
      encoding: 'utf8',
      timeout: 40_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) },
    })

  test('embedded start leaves the server running after the CLI exits, twice in a row, and embedded stop ends it', async () => {
    const first = cli(['embedded', 'start']).trim()
    expect(first).toBe(`DATABASE_URL=postgres://postgres:postgres@127.0.0.1:${port}/pulsetrade`)
    const url = first.slice('DATABASE_URL='.length)
    expect(await query(url, 'SELECT current_database() AS db')).toEqual([{ db: 'pulsetrade' }])
    expect(cli(['embedded', 'start']).trim()).toBe(first)
    expect(cli(['embedded', 'stop']).trim()).toBe('stopped')
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/)
    expect(cli(['embedded', 'stop']).trim()).toBe('not running')
  }, 90_000)
})
