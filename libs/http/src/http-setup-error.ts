/** A route helper was built with unusable options (an empty token list, a token with whitespace): a startup bug, never a request's fault. */
export class HttpSetupError extends Error {
  code = 'HTTP_ERR_SETUP'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}
