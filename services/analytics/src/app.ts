import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import type { Db } from '@pulsetrade/db'
import type { LlmClient, PromptRegistry } from '@pulsetrade/llm'
import { configureApp, dbReadiness, llmReadiness, openApiOptions, openApiRoute, opsRoutes, serverOptions } from '@pulsetrade/http'
import type { AnalyticsConfig } from './config'
import { llmStatsRoutes } from './routes/llm-stats-routes'
import { recentRoutes } from './routes/recent-routes'
import { readAccess } from './read-access'
import { listRecentForecasts } from './recent-forecasts-repo'
import { createSummarizer, SUMMARY_MAX_ROWS } from './summarizer'

export interface AnalyticsDeps {
  config: AnalyticsConfig
  db: Db
  llm: LlmClient
  prompts: PromptRegistry
  logger: Logger
  /** Registries /metrics prints besides the app's own (e.g. the LLM client's). */
  metrics?: Registry[]
  /** Clock of the summary windows (tests). @default Date.now */
  now?: () => number
}

/** The analytics service (port 8002): recent forecasts with a summary, LLM quality per prompt version. */
export function buildApp(deps: AnalyticsDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, ...serverOptions({ bodyLimit: deps.config.HTTP_BODY_LIMIT }) })
  const registry = new Registry()
  configureApp(app, { registry })
  app.register(swagger, openApiOptions({ title: 'PulseTrade analytics', version: '1.0.0', description: 'Recent forecasts and LLM quality' }))
  app.register(openApiRoute)
  app.register(opsRoutes, { checks: [dbReadiness(deps.db), llmReadiness(deps.llm)], registries: [registry, ...(deps.metrics ?? [])] })
  const summarizer = createSummarizer({
    llm: deps.llm,
    prompts: deps.prompts,
    timeoutMs: deps.config.ANALYTICS_SUMMARY_TIMEOUT_MS,
    windowMs: deps.config.ANALYTICS_SUMMARY_WINDOW_MS,
    loadRows: () => listRecentForecasts(deps.db, { limit: SUMMARY_MAX_ROWS }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  })
  // /analytics/*: a read token, or loopback clients only (ops routes above stay open).
  app.register(async (scope) => {
    scope.addHook('onRequest', readAccess({ token: deps.config.ANALYTICS_READ_TOKEN, public: deps.config.ANALYTICS_PUBLIC }))
    scope.register(recentRoutes, { db: deps.db, summarizer })
    scope.register(llmStatsRoutes, { db: deps.db })
  })
  return app
}
