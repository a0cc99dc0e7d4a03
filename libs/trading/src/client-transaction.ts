import type { DbClient } from '@pulsetrade/db'

/** fn between BEGIN and COMMIT on a connection the caller holds; ROLLBACK and rethrow on error. */
export async function inTransaction<T> (client: DbClient, fn: (tx: DbClient) => Promise<T>): Promise<T> {
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
