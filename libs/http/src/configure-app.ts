import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { errorHandler, notFoundHandler } from './error-handler'
import { installHttpMetrics } from './http-metrics'
import { zodSerializerCompiler, zodValidatorCompiler } from './zod-compilers'

/**
 * The cross-cutting setup every service applies to its root instance before registering routes:
 * zod validation and serialization, the masking error handler, JSON 404s and HTTP metrics.
 */
export function configureApp(app: FastifyInstance, opts: { registry: Registry }): void {
  app.setValidatorCompiler(zodValidatorCompiler)
  app.setSerializerCompiler(zodSerializerCompiler)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  installHttpMetrics(app, opts.registry)
}
