import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import type { Db } from '@pulsetrade/db'
import { createHealthProbe, type LlmClient, type PromptRegistry } from '@pulsetrade/llm'
import { configureApp, dbReadiness, llmReadiness, openApiOptions, openApiRoute, opsRoutes, serverOptions } from '@pulsetrade/http'
import type { ApiConfig } from './config'
import { chatRoutes } from './routes/chat-routes'
import { healthRoutes } from './routes/health-routes'

export interface ApiDeps {
  config: ApiConfig
  db: Db
  llm: LlmClient
  prompts: PromptRegistry
  logger: Logger
  /** Registries /metrics prints besides the app's own (e.g. the LLM client's). */
  metrics?: Registry[]
  now?: () => number
}

/** The api service (port 8001): /llm/health and /llm/chat. Never listens and never reads env. */
export function buildApp(deps: ApiDeps): FastifyInstance {
  const { config } = deps
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, ...serverOptions({ bodyLimit: config.HTTP_BODY_LIMIT }) })
  const registry = new Registry()
  configureApp(app, { registry })
  app.register(swagger, openApiOptions({ title: 'PulseTrade api', version: '1.0.0', description: 'Lexi health and ad-hoc chat' }))
  app.register(rateLimit, { global: false })
  app.register(openApiRoute)
  app.register(opsRoutes, {
    checks: [dbReadiness(deps.db), llmReadiness(deps.llm)],
    registries: [registry, ...(deps.metrics ?? [])],
  })
  const probe = createHealthProbe({
    llm: deps.llm,
    prompts: deps.prompts,
    model: config.LLM_MODEL,
    ttlMs: config.LLM_HEALTH_TTL_MS,
    failTtlMs: config.LLM_HEALTH_FAIL_TTL_MS,
    timeoutMs: config.LLM_HEALTH_TIMEOUT_MS,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  })
  app.register(healthRoutes, { probe, metrics: registry, ...(deps.now === undefined ? {} : { now: deps.now }) })
  app.register(chatRoutes, {
    llm: deps.llm,
    prompts: deps.prompts,
    limits: { maxMessages: config.CHAT_MAX_MESSAGES, maxChars: config.CHAT_MAX_CHARS, maxContextTokens: config.LLM_MAX_TOKENS },
    defaults: { temperature: config.LLM_TEMPERATURE, top_p: config.LLM_TOP_P, max_tokens: config.LLM_MAX_OUTPUT_TOKENS },
    tokens: config.CHAT_TOKENS ?? [],
    ratePerMin: config.CHAT_RATE_LIMIT_PER_MIN,
    maxStreamsPerToken: config.CHAT_MAX_STREAMS_PER_TOKEN,
    authMaxFailures: config.CHAT_AUTH_MAX_FAILURES,
  })
  return app
}
