import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '@pulsetrade/db'
import { tokenFingerprint, type NamedToken } from '@pulsetrade/http'

/** Name of the console's session cookie. */
export const SESSION_COOKIE = 'pt_session'

/** What a valid console session grants: who acts, the CSRF token its state changes must carry, and its end. */
export interface ConsoleSession {
  actor: string
  csrf: string
  expires_at: Date
}

export interface SessionStore {
  /** A new session for `actor` (logged in with `token`); the returned id goes into the cookie and is stored only as a digest. */
  create: (o: { actor: string; token: string; address: string }) => Promise<{ id: string; session: ConsoleSession }>
  /** The session behind a cookie value: null when unknown, expired, logged out, or its token is no longer configured. */
  find: (id: string) => Promise<ConsoleSession | null>
  /** Ends the session (logout); the cookie is refused from then on. */
  remove: (id: string) => Promise<void>
}

/** 32 random bytes, base64url: what the cookie may hold. Anything else is not looked up. */
const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/
const idDigest = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex')

/**
 * Console sessions in Postgres (console_sessions), shared by every admin process, so a login on one
 * replica is valid on the others and a logout ends it everywhere. The lifetime counts from the
 * login and is not extended by use. A session remembers the fingerprint of the token it was opened
 * with: when that token is rotated out of ADMIN_TOKEN/ADMIN_TOKENS, its sessions stop working.
 */
export function createSessionStore(db: Db, o: { ttlMs: number; tokens: NamedToken[] }): SessionStore {
  const valid = new Set(o.tokens.map((t) => `${t.name ?? tokenFingerprint(t.token)}\n${tokenFingerprint(t.token)}`))
  return {
    async create({ actor, token, address }) {
      const id = randomBytes(32).toString('base64url')
      const csrf = randomBytes(32).toString('base64url')
      // Expired sessions go at each login: the table stays as small as the logins of one TTL.
      await db.query('DELETE FROM console_sessions WHERE expires_at < now()')
      const { rows } = await db.query<{ expires_at: Date }>(
        `INSERT INTO console_sessions (id_digest, actor, token_fp, csrf, address, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond') RETURNING expires_at`,
        [idDigest(id), actor, tokenFingerprint(token), csrf, address, o.ttlMs],
      )
      return { id, session: { actor, csrf, expires_at: rows[0]!.expires_at } }
    },
    async find(id) {
      if (!ID_SHAPE.test(id)) return null
      const { rows } = await db.query<{ actor: string; token_fp: string; csrf: string; expires_at: Date }>(
        'SELECT actor, token_fp, csrf, expires_at FROM console_sessions WHERE id_digest = $1 AND expires_at > now()',
        [idDigest(id)],
      )
      const r = rows[0]
      if (r === undefined || !valid.has(`${r.actor}\n${r.token_fp}`)) return null
      return { actor: r.actor, csrf: r.csrf, expires_at: r.expires_at }
    },
    async remove(id) {
      if (!ID_SHAPE.test(id)) return
      await db.query('DELETE FROM console_sessions WHERE id_digest = $1', [idDigest(id)])
    },
  }
}
