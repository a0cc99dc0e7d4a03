import { afterAll, inject } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@pulsetrade/db/testing'

/**
 * A fresh, migrated database for the calling test file, dropped after the file's tests.
 * Call at module level or in beforeAll: `const db = await testDatabase()`.
 */
export async function testDatabase(): Promise<TestDatabase> {
  const tdb = await createTestDatabase(inject('pgAdminUrl'), inject('pgTemplate'), runPrefix())
  afterAll(async () => {
    await tdb.drop()
  })
  return tdb
}

/** Name prefix of this run's test databases (`pulsetrade_test_<run id>`): use it for databases you create. */
export const runPrefix = (): string => inject('pgTemplate').replace(/^pulsetrade_tpl_/, 'pulsetrade_test_')

/** The admin URL (for tests that need a database of their own, e.g. two migrators racing). */
export const pgAdminUrl = (): string => inject('pgAdminUrl')
