import { readFileSync } from 'node:fs'
import { readdir, readFile, readlink, rm } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

type Log = (msg: string) => void

/** The first lines of `postmaster.pid`: pid, data dir, start time, port, socket dir, listen address, shm key, status. */
export interface PostmasterPid {
  pid: number
  port: number
  status: string
}

export async function readPostmasterPid(dataDir: string): Promise<PostmasterPid | null> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null)
  if (text === null) return null
  const lines = text.split('\n')
  const pid = Number(lines[0])
  if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, port: 0, status: 'corrupt' }
  return { pid, port: Number(lines[3] ?? 0), status: (lines[7] ?? '').trim() }
}

/** True while pid runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  if (process.platform !== 'linux') return true
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z'
  } catch {
    return false
  }
}

/** True when pid runs `postgresBin` inside `dataDir` (Linux /proc; elsewhere assumed true while alive). */
async function isOurPostgres(pid: number, postgresBin: string, dataDir: string): Promise<boolean> {
  if (process.platform !== 'linux') return isAlive(pid)
  const [exe, cwd] = await Promise.all([readlink(`/proc/${pid}/exe`).catch(() => null), readlink(`/proc/${pid}/cwd`).catch(() => null)])
  return exe === postgresBin && cwd === dataDir
}

/** Server processes (postmaster or orphaned backends) of our binary whose working directory is dataDir. */
async function serverProcesses(postgresBin: string, dataDir: string): Promise<number[]> {
  if (process.platform !== 'linux') return []
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number)
  const ours = await Promise.all(pids.map(async (pid) => ((await isOurPostgres(pid, postgresBin, dataDir)) ? pid : 0)))
  return ours.filter((pid) => pid !== 0 && pid !== process.pid)
}

export type PostmasterState = { kind: 'none' } | { kind: 'running'; pid: number; port: number; status: string }

/**
 * Inspects dataDir before a start. A live postmaster of ours is reported (the caller waits for it or
 * reuses it). Anything else is debris of a crash and is cleared: a `postmaster.pid` whose pid is dead
 * or now belongs to another process is removed, and backends orphaned by a killed postmaster (they
 * keep the shared memory attached, which blocks the next start) are killed.
 */
export async function inspectPostmaster(dataDir: string, postgresBin: string, log: Log): Promise<PostmasterState> {
  const pidFile = await readPostmasterPid(dataDir)
  if (pidFile && pidFile.pid > 0 && isAlive(pidFile.pid) && (await isOurPostgres(pidFile.pid, postgresBin, dataDir))) {
    return { kind: 'running', pid: pidFile.pid, port: pidFile.port, status: pidFile.status }
  }
  if (pidFile) {
    await rm(path.join(dataDir, 'postmaster.pid'), { force: true })
    log(`removed stale postmaster.pid (pid ${pidFile.pid} ${pidFile.pid > 0 && isAlive(pidFile.pid) ? 'belongs to another process' : 'is gone'})`)
  }
  const orphans = await serverProcesses(postgresBin, dataDir)
  if (orphans.length > 0) {
    log(`killing ${orphans.length} orphaned PostgreSQL process(es) of a crashed server: ${orphans.join(', ')}`)
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
    for (let i = 0; i < 50 && orphans.some(isAlive); i++) await sleep(100)
  }
  return { kind: 'none' }
}

/**
 * Stops a postmaster: fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL, each after a
 * grace period. Resolves once the process is gone.
 */
export async function stopPostmaster(pid: number, log: Log, graceMs = 15_000): Promise<void> {
  const steps: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', graceMs],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ]
  for (const [signal, waitMs] of steps) {
    if (!isAlive(pid)) return
    try {
      process.kill(pid, signal)
    } catch {
      return
    }
    if (signal !== 'SIGINT') log(`PostgreSQL (pid ${pid}) did not stop in time; sent ${signal}`)
    const until = Date.now() + waitMs
    while (isAlive(pid) && Date.now() < until) await sleep(50)
  }
}
