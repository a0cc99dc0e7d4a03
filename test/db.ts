import { afterAll, inject } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@pulsetrade/db/testing'

/**
 * A fresh, migrated database for the calling test file, dropped after the file's tests.
 * Call at module level or in beforeAll: `const db = await testDatabase()`.
 */
export async function testDatabase (): Promise<TestDatabase> {
  const tdb = await createTestDatabase(inject('pgAdminUrl'), inject('pgTemplate'))
  afterAll(async () => { await tdb.drop() })
  return tdb
}

/** The admin URL (for tests that need a database of their own, e.g. two migrators racing). */
export const pgAdminUrl = (): string => inject('pgAdminUrl')
