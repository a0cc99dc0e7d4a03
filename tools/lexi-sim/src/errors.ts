import type { VersionBehaviour } from './versions'
import { pyJsonDumps } from './py-format'

/**
 * An HTTP reply the simulator gives instead of a completion. `body` is the exact text sent
 * (possibly empty); the builders below produce the shapes vLLM uses.
 */
export class SimHttpError extends Error {
  readonly code = 'SIM_ERR_HTTP'
  constructor(
    readonly status: number,
    readonly body: string,
    message: string,
    readonly errorType: string | null = null,
  ) {
    super(message)
    this.name = 'SimHttpError'
  }
}

export type ErrorType = 'BadRequestError' | 'NotFoundError' | 'InternalServerError' | 'ServiceUnavailableError' | string

function errorObject(b: VersionBehaviour, status: number, message: string, type: ErrorType): Record<string, unknown> {
  return b.envelope === 'flat' ? { object: 'error', message, type, param: null, code: status } : { error: { message, type, param: null, code: status } }
}

/** vLLM's ErrorResponse: flat (≤0.10.0) or nested (≥0.10.1), `code` an integer. */
export function envelopeError(b: VersionBehaviour, status: number, message: string, type: ErrorType = 'BadRequestError'): SimHttpError {
  return new SimHttpError(status, JSON.stringify(errorObject(b, status, message, type)), message, type)
}

/** The phrase FastAPI-level errors carry as `type` ("Bad Request"); handler errors use class names. */
export function validationError(b: VersionBehaviour, message: string): SimHttpError {
  return envelopeError(b, 400, message, b.envelope === 'flat' ? 'BadRequestError' : 'Bad Request')
}

/** FastAPI's own `{"detail": ...}` (HTTPException, unknown route, 405). */
export function detailError(status: number, detail: string): SimHttpError {
  return new SimHttpError(status, JSON.stringify({ detail }), detail)
}

/** A status with an empty body (dead engine, overloaded health). */
export function emptyError(status: number): SimHttpError {
  return new SimHttpError(status, '', `${status} with an empty body`)
}

export function unauthorizedError(): SimHttpError {
  return new SimHttpError(401, '{"error":"Unauthorized"}', 'Unauthorized')
}

export function unknownModelError(b: VersionBehaviour, model: string): SimHttpError {
  return envelopeError(b, 404, `The model \`${model}\` does not exist.`, 'NotFoundError')
}

/** The in-band SSE error frame payload (Python json.dumps spacing, as vLLM writes it). */
export function streamErrorPayload(b: VersionBehaviour, status: number, message: string, type: ErrorType): string {
  const obj = errorObject(b, status, message, type)
  return pyJsonDumps(b.envelope === 'flat' ? { error: obj } : obj)
}

/**
 * The context-length check of serving_engine._validate_input, with the wording of the chosen
 * version. `maxTokens` is max_completion_tokens || max_tokens as sent (null when neither was).
 */
export function contextLengthError(b: VersionBehaviour, maxModelLen: number, promptTokens: number, maxTokens: number | null): SimHttpError | null {
  const head = `This model's maximum context length is ${maxModelLen} tokens.`
  let text: string | null = null
  if (b.contextWording === 'legacy') {
    if (maxTokens === null) {
      if (promptTokens >= maxModelLen) text = `${head} However, you requested ${promptTokens} tokens in the messages, Please reduce the length of the messages.`
    } else if (promptTokens + maxTokens > maxModelLen) {
      text = `${head} However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`
    }
  } else if (promptTokens >= maxModelLen) {
    text = `${head} However, your request has ${promptTokens} input tokens. Please reduce the length of the input messages.`
  } else if (maxTokens !== null && promptTokens + maxTokens > maxModelLen) {
    text = `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ${maxModelLen} tokens and your request has ${promptTokens} input tokens (${maxTokens} > ${maxModelLen} - ${promptTokens}).`
  }
  if (text === null) return null
  return envelopeError(b, 400, b.noneSuffix ? `${text} None` : text, 'BadRequestError')
}
