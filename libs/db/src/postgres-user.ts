import { execFileSync } from 'node:child_process'
import { chmod, mkdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { EmbeddedPostgresError } from './db-errors'

export interface RunAs {
  uid: number
  gid: number
}
type Log = (msg: string) => void

const idOf = (flag: '-u' | '-g', user: string): number | null => {
  try {
    return Number(execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
  } catch {
    return null
  }
}

/**
 * PostgreSQL refuses to run as root. When we are root, returns the uid/gid of the `postgres` system
 * user (created with useradd when missing); otherwise null (run as ourselves).
 */
export function postgresRunAs(log: Log): RunAs | null {
  if (process.getuid?.() !== 0) return null
  let uid = idOf('-u', 'postgres')
  if (uid === null) {
    log('running as root: creating the system user "postgres" to own and run the embedded PostgreSQL')
    const groupExists = (() => {
      try {
        execFileSync('getent', ['group', 'postgres'], { stdio: 'ignore' })
        return true
      } catch {
        return false
      }
    })()
    try {
      execFileSync(
        'useradd',
        ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ...(groupExists ? ['-g', 'postgres'] : ['--user-group']), 'postgres'],
        { stdio: 'pipe' },
      )
    } catch (err) {
      throw new EmbeddedPostgresError('running as root and could not create the "postgres" user with useradd; create it or run as a normal user', {
        cause: err,
      })
    }
    uid = idOf('-u', 'postgres')
  }
  const gid = idOf('-g', 'postgres')
  if (uid === null || gid === null) throw new EmbeddedPostgresError('running as root but the "postgres" user has no uid/gid')
  return { uid, gid }
}

const canSearch = (st: { uid: number; gid: number; mode: number }, who: RunAs): boolean =>
  (st.mode & 0o001) !== 0 || (st.uid === who.uid && (st.mode & 0o100) !== 0) || (st.gid === who.gid && (st.mode & 0o010) !== 0)

/**
 * Makes sure `who` can reach `target`: every ancestor directory that it cannot search gets the
 * search bit for others (o+x, never read). Needed for checkouts under private directories such as
 * those made by `mktemp -d` (mode 0700).
 */
export async function grantSearchPath(target: string, who: RunAs, log: Log): Promise<void> {
  const parts = path.resolve(target).split(path.sep).filter(Boolean)
  let dir: string = path.sep
  for (const part of ['', ...parts]) {
    dir = path.join(dir, part)
    const st = await stat(dir).catch(() => null)
    if (!st?.isDirectory()) return
    if (canSearch(st, who)) continue
    await chmod(dir, st.mode | 0o001)
    log(`granted search permission (o+x) on ${dir} so the postgres user can reach ${target}`)
  }
}

/** Creates dir if needed and hands it to `who` (recursively when it was owned by someone else). */
export async function ownDirectory(dir: string, who: RunAs): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const st = await stat(dir)
  if (st.uid === who.uid && st.gid === who.gid) return
  execFileSync('chown', ['-R', `${who.uid}:${who.gid}`, dir])
}
