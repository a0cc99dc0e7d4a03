import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { z } from 'zod'
import type { Db } from '@pulsetrade/db'
import type { LlmClient } from '@pulsetrade/llm'
import { configureApp, dbReadiness, llmReadiness, opsRoutes, serverOptions } from '@pulsetrade/http'

export interface ForecastAppDeps {
  db: Db
  llm: Pick<LlmClient, 'models'>
  logger: Logger
  /** Registries /metrics prints besides the app's own (the worker's, the LLM client's). */
  metrics?: Registry[]
  /** The worker's counters, for GET /status. */
  status: () => { done: number; failed: number; stopping: boolean }
}

const StatusBody = z.object({ done: z.number(), failed: z.number(), stopping: z.boolean() })

/**
 * The forecast worker's HTTP side (port 8004): /healthz, /readyz (Postgres required, Lexi
 * optional: the worker keeps writing rows while Lexi is down) and /metrics, plus GET /status.
 * Never listens and never reads env.
 */
export function buildApp(deps: ForecastAppDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, ...serverOptions() })
  const registry = new Registry()
  configureApp(app, { registry })
  app.register(opsRoutes, {
    checks: [dbReadiness(deps.db), llmReadiness(deps.llm)],
    registries: [registry, ...(deps.metrics ?? [])],
  })
  app.get('/status', { schema: { response: { 200: StatusBody } } }, async () => deps.status())
  return app
}
