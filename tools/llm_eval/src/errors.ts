/** Typed errors of the eval tool; `code` is stable (EVAL_ERR_*). */
export class EvalError extends Error {
  code = 'EVAL_ERR'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** Bad command line: the CLI prints the message and the usage, exit code 2. */
export class EvalUsageError extends EvalError {
  override code = 'EVAL_ERR_USAGE'
}

/** A dataset file that cannot be read or has a bad line (the message names file and line). */
export class EvalDatasetError extends EvalError {
  override code = 'EVAL_ERR_DATASET'
}

/** The forecasts table cannot be read, or holds no usable inputs. */
export class EvalSourceError extends EvalError {
  override code = 'EVAL_ERR_SOURCE'
}

/** The LLM endpoint does not answer GET /v1/models before the run starts. */
export class EvalUnreachableError extends EvalError {
  override code = 'EVAL_ERR_UNREACHABLE'
}
