/** Typed errors of libs/db, each with a stable `code`. */
export class DbError extends Error {
  code = 'DB_ERR'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** The embedded Postgres could not be prepared, started or stopped. */
export class EmbeddedPostgresError extends DbError {
  override code = 'DB_ERR_EMBEDDED'
}

/** Something other than our embedded instance answers on the port we were asked to use. */
export class PortTakenError extends EmbeddedPostgresError {
  override code = 'DB_ERR_PORT_TAKEN'
  constructor(
    readonly port: number,
    detail: string,
  ) {
    super(`port ${port} is taken by another server (${detail}); stop it or choose another port (EMBEDDED_PG_PORT)`)
  }
}

/** A migration file is misnamed or numbered twice, or its SQL failed (its transaction was rolled back). */
export class MigrationError extends DbError {
  override code = 'DB_ERR_MIGRATION'
}
