import pg from 'pg'

export type Db = pg.Pool
export type DbClient = pg.PoolClient

export interface PoolConfig {
  connectionString: string
  /** Most connections this pool opens. @default 10 */
  max?: number
  /** Name shown in pg_stat_activity. */
  applicationName?: string
}

const INT8 = 20
const NUMERIC = 1700
const toNumber = (v: string): number => Number(v)

/**
 * bigint (int8) and numeric come back as JS numbers: ids and counts here stay far below 2^53.
 * Per pool, not through pg.types.setTypeParser, so importing this module changes no other pg user.
 */
export const POOL_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if ((oid === INT8 || oid === NUMERIC) && format !== 'binary') return toNumber
    return pg.types.getTypeParser(oid, format ?? 'text')
  }) as pg.CustomTypesConfig['getTypeParser'],
}

/** A pg pool. A client that errors (server restart), idle or checked out, is dropped, never crashes the process. */
export function createPool(config: PoolConfig): Db {
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    max: config.max ?? 10,
    application_name: config.applicationName ?? 'pulsetrade',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    types: POOL_TYPES,
  })
  pool.on('error', () => {
    /* the broken client is already removed from the pool */
  })
  // A checked-out client (a transaction) has no error listener of pg-pool's: when Postgres restarts,
  // its 'error' event would be an uncaught exception that ends the process. The query in flight
  // rejects with the same error, and pg-pool drops the dead client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })
  return pool
}

/** Runs fn inside BEGIN/COMMIT on one client; rolls back and rethrows on error. */
export async function withTransaction<T>(db: Db, fn: (client: DbClient) => Promise<T>): Promise<T> {
  const client = await db.connect()
  try {
    return await inTransaction(client, fn)
  } finally {
    client.release()
  }
}

/** fn between BEGIN and COMMIT on a connection the caller holds; ROLLBACK and rethrow on error. */
export async function inTransaction<T>(client: DbClient, fn: (tx: DbClient) => Promise<T>): Promise<T> {
  await client.query('BEGIN')
  try {
    const out = await fn(client)
    await client.query('COMMIT')
    return out
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}
