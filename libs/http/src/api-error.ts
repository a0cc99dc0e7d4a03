/**
 * Deliberate HTTP errors. The error handler sends them as written ({error, code, message}); any
 * other error above 499 is masked. `headers` are copied onto the reply (e.g. Retry-After).
 */
export class ApiError extends Error {
  code = 'API_ERR'
  readonly statusCode: number
  readonly headers: Record<string, string>
  /** Extra fields merged into the response body (e.g. `limit`). */
  readonly details: Record<string, unknown>

  constructor(statusCode: number, message: string, opts: { headers?: Record<string, string>; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.statusCode = statusCode
    this.headers = opts.headers ?? {}
    this.details = opts.details ?? {}
  }
}

export class BadRequestError extends ApiError {
  override code = 'API_ERR_BAD_REQUEST'
  constructor(message: string, opts?: { details?: Record<string, unknown> }) {
    super(400, message, opts)
  }
}

/** A request part failed its zod schema; `issues` name each field (`body.messages[0].content`). */
export class ValidationError extends ApiError {
  override code = 'API_ERR_VALIDATION'
  constructor(readonly issues: string[]) {
    super(400, issues.join('; '), { details: { issues } })
  }
}

export class UnauthorizedError extends ApiError {
  override code = 'API_ERR_UNAUTHORIZED'
  constructor(message = 'missing or invalid bearer token') {
    super(401, message, { headers: { 'www-authenticate': 'Bearer' } })
  }
}

export class NotFoundError extends ApiError {
  override code = 'API_ERR_NOT_FOUND'
  constructor(message: string) {
    super(404, message)
  }
}

export class PayloadTooLargeError extends ApiError {
  override code = 'API_ERR_PAYLOAD_TOO_LARGE'
  constructor(message: string, limit: number) {
    super(413, message, { details: { limit } })
  }
}

export class TooManyRequestsError extends ApiError {
  override code = 'API_ERR_RATE_LIMITED'
  constructor(message: string) {
    super(429, message)
  }
}
