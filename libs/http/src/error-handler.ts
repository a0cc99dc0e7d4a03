import { STATUS_CODES } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from './api-error'
import { isLlmError, llmErrorStatus } from './llm-error-status'

/** The body of every error reply. */
export interface ErrorBody {
  error: string
  code: string
  message: string
  [extra: string]: unknown
}

interface ErrorLike {
  statusCode?: unknown
  code?: unknown
  message?: unknown
  validation?: Array<{ instancePath?: string; message?: string }>
  validationContext?: string
}

const statusText = (status: number): string => STATUS_CODES[status] ?? 'Error'

function send(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  details: Record<string, unknown> = {},
): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v)
  const body: ErrorBody = { ...details, error: statusText(status), code, message }
  return reply.code(status).type('application/json; charset=utf-8').send(body)
}

/**
 * setErrorHandler: deliberate errors (ApiError, fastify's own 4xx, validation) pass through as
 * {error, code, message}; typed LLM errors get their mapped status; anything else is a 500
 * "Internal Server Error" whose detail goes only to the log.
 */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ApiError) {
    if (error.statusCode >= 500) request.log.error({ err: error }, error.message)
    return send(reply, error.statusCode, error.code, error.message, error.headers, error.details)
  }
  if (isLlmError(error)) {
    const m = llmErrorStatus(error)
    request.log[m.statusCode >= 500 ? 'warn' : 'info']({ code: error.code, err: error }, 'llm error')
    return send(reply, m.statusCode, error.code, m.message, m.headers, m.details)
  }
  const e = (error ?? {}) as ErrorLike
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500
  const code = typeof e.code === 'string' ? e.code : 'API_ERR'
  if (status >= 400 && status < 500) {
    if (Array.isArray(e.validation)) {
      // A JSON-schema (ajv) route: name the field like the zod compiler does.
      const part = e.validationContext === 'querystring' ? 'query' : (e.validationContext ?? 'body')
      const issues = e.validation.map((v) => `${part}${(v.instancePath ?? '').replace(/\//g, '.')}: ${v.message ?? 'invalid'}`)
      return send(reply, 400, 'API_ERR_VALIDATION', issues.join('; '), {}, { issues })
    }
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit
      return send(reply, 413, 'API_ERR_PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`, {}, { limit })
    }
    return send(reply, status, code, typeof e.message === 'string' ? e.message : statusText(status))
  }
  request.log.error({ err: error }, 'unhandled error')
  return send(reply, 500, 'API_ERR_INTERNAL', 'Internal Server Error')
}

/** setNotFoundHandler: unknown routes answer in the same error shape. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(reply, 404, 'API_ERR_NOT_FOUND', `route ${request.method} ${request.url.split('?')[0]} not found`)
}
