export { createPool, inTransaction, withTransaction, type Db, type DbClient, type PoolConfig } from './pool'
export { migrate, listMigrations, MIGRATIONS_DIR, type Migration, type MigrateResult } from './migrate'
export {
  startEmbeddedPostgres,
  stopEmbeddedPostgres,
  embeddedUrl,
  APP_DATABASE,
  DEFAULT_DATA_DIR,
  DEFAULT_PORT,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from './embedded'
export { ensureDatabase } from './ensure-database'
export { createBatcher, type Batcher, type BatcherOptions } from './batcher'
export { DbError, EmbeddedPostgresError, MigrationError, PortTakenError } from './db-errors'
