import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import type { Db } from '@pulsetrade/db'
import type { LlmClient } from '@pulsetrade/llm'
import { bearerAuth, configureApp, dbReadiness, llmReadiness, openApiOptions, openApiRoute, opsRoutes, serverOptions } from '@pulsetrade/http'
import type { Broker } from '@pulsetrade/trading'
import { installAuditLog } from './audit-log'
import type { AdminConfig } from './config'
import { llmAdminRoutes, type AdminPromptRegistry } from './routes/llm-admin-routes'
import { strategistRoutes } from './routes/strategist-routes'

export interface AdminDeps {
  config: AdminConfig
  db: Db
  llm: LlmClient
  prompts: AdminPromptRegistry
  broker: Broker
  logger: Logger
  /** Registries /metrics prints besides the app's own (e.g. the LLM client's). */
  metrics?: Registry[]
}

export const MIN_TOKEN_LENGTH = 16

/**
 * The admin service (port 8003): replay, prompts, shadow report and the strategist routes, all
 * behind `Authorization: Bearer ADMIN_TOKEN` and written to audit_log. Ops routes stay open.
 */
export function buildApp (deps: AdminDeps): FastifyInstance {
  const { config } = deps
  if (config.ADMIN_TOKEN.length < MIN_TOKEN_LENGTH) throw new Error(`ADMIN_TOKEN must have at least ${MIN_TOKEN_LENGTH} characters`)
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, ...serverOptions({ bodyLimit: deps.config.HTTP_BODY_LIMIT }) })
  const registry = new Registry()
  configureApp(app, { registry })
  app.register(swagger, openApiOptions({ title: 'PulseTrade admin', version: '1.0.0', description: 'LLM replay, prompts and the strategist controls', bearerAuth: true }))
  app.register(openApiRoute)
  app.register(opsRoutes, { checks: [dbReadiness(deps.db), llmReadiness(deps.llm)], registries: [registry, ...(deps.metrics ?? [])] })
  app.register(async (secured) => {
    secured.addHook('onRequest', bearerAuth(config.ADMIN_TOKEN))
    installAuditLog(secured, deps.db)
    secured.register(llmAdminRoutes, { db: deps.db, llm: deps.llm, prompts: deps.prompts })
    secured.register(strategistRoutes, {
      db: deps.db, broker: deps.broker, limits: config, logger: deps.logger, enablePanicExit: config.ENABLE_PANIC_EXIT,
      lockTimeoutMs: config.STRATEGIST_LOCK_TIMEOUT_MS,
    })
  })
  return app
}
