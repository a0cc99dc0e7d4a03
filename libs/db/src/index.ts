export { createPool, withTransaction, type Db, type DbClient, type PoolConfig } from './pool'
export { migrate, listMigrations, MIGRATIONS_DIR, type Migration, type MigrateResult } from './migrate'
