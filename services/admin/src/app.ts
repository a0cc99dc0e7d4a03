import { ConfigError } from '@pulsetrade/config'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import swagger from '@fastify/swagger'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import type { Db } from '@pulsetrade/db'
import type { LlmClientInstance } from '@pulsetrade/llm'
import {
  configureApp,
  createAuthFailureThrottle,
  dbReadiness,
  llmReadiness,
  openApiOptions,
  openApiRoute,
  opsRoutes,
  serverOptions,
  tokenAuth,
  type NamedToken,
} from '@pulsetrade/http'
import type { Broker } from '@pulsetrade/trading'
import { auditAuthFailure, installAuditLog } from './audit-log'
import type { AdminConfig } from './config'
import { createLexiStatus } from './console/lexi-status'
import { withSessionCookie } from './console/openapi-session'
import { sessionOrBearerAuth } from './console/session-auth'
import { createSessionStore } from './console/session-store'
import { consoleDecisionsRoutes } from './routes/console-decisions-routes'
import { consoleLexiRoutes } from './routes/console-lexi-routes'
import { consoleLoginRoutes, consoleSessionRoutes } from './routes/console-session-routes'
import { consoleStaticRoutes } from './routes/console-static'
import { consoleViewsRoutes } from './routes/console-views-routes'
import { llmAdminRoutes, type AdminPromptRegistry } from './routes/llm-admin-routes'
import { strategistRoutes } from './routes/strategist-routes'

export interface AdminDeps {
  config: AdminConfig
  db: Db
  llm: LlmClientInstance
  prompts: AdminPromptRegistry
  broker: Broker
  logger: Logger
  /** Registries /metrics prints besides the app's own (e.g. the LLM client's). */
  metrics?: Registry[]
}

export const MIN_TOKEN_LENGTH = 16

/** ADMIN_TOKEN acts as `admin`; ADMIN_TOKENS entries as their names (or fingerprints). */
export function adminTokens(config: Pick<AdminConfig, 'ADMIN_TOKEN' | 'ADMIN_TOKENS'>): NamedToken[] {
  const tokens: NamedToken[] = [{ name: 'admin', token: config.ADMIN_TOKEN }, ...(config.ADMIN_TOKENS ?? [])]
  for (const t of tokens) {
    if (t.token.length < MIN_TOKEN_LENGTH || /\s/.test(t.token)) {
      throw new ConfigError([
        {
          name: t.name === 'admin' ? 'ADMIN_TOKEN' : 'ADMIN_TOKENS',
          received: `<${t.token.length} characters, hidden>`,
          expected: `admin tokens must have at least ${MIN_TOKEN_LENGTH} characters and no whitespace`,
        },
      ])
    }
  }
  return tokens
}

/**
 * The admin service (port 8003): replay, prompts, shadow report, the strategist routes and the
 * operator console's routes, all behind `Authorization: Bearer <admin token>` or the console's
 * session cookie (with its CSRF token on state changes; docs/console.md), and written to audit_log
 * with the token's or session's name as the actor; failed authentications are audited and
 * throttled per address. Ops routes, the console page and its login stay open.
 */
export function buildApp(deps: AdminDeps): FastifyInstance {
  const { config } = deps
  const tokens = adminTokens(config)
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, ...serverOptions({ bodyLimit: deps.config.HTTP_BODY_LIMIT }) })
  const registry = new Registry()
  configureApp(app, { registry })
  app.register(
    swagger,
    withSessionCookie(
      openApiOptions({
        title: 'PulseTrade admin',
        version: '1.0.0',
        description: 'LLM replay, prompts, the strategist controls and the operator console',
        bearerAuth: true,
      }),
    ),
  )
  app.register(openApiRoute)
  app.register(opsRoutes, { checks: [dbReadiness(deps.db), llmReadiness(deps.llm)], registries: [registry, ...(deps.metrics ?? [])] })
  // The operator console's page (/console/): open like a login screen; its data comes from the secured routes below.
  app.register(consoleStaticRoutes)
  app.register(cookie)
  // One throttle for bearer requests and console logins: a wrong token counts alike in both.
  const throttle = createAuthFailureThrottle({ max: config.ADMIN_AUTH_MAX_FAILURES, windowMs: 60_000 })
  const bearer = tokenAuth(tokens, { throttle, onFailure: auditAuthFailure(deps.db) })
  const sessions = createSessionStore(deps.db, { ttlMs: config.CONSOLE_SESSION_TTL_MS, tokens })
  app.register(consoleLoginRoutes, { db: deps.db, sessions, bearer, secureCookie: config.CONSOLE_COOKIE_SECURE })
  const lexi = createLexiStatus({
    llm: deps.llm,
    prompts: deps.prompts,
    db: deps.db,
    baseURLs: config.LLM_BASE_URL,
    healthTtlMs: config.LLM_HEALTH_TTL_MS,
    healthFailTtlMs: config.LLM_HEALTH_FAIL_TTL_MS,
  })
  app.register(async (secured) => {
    // Bearer token or console session cookie (with its CSRF token on state changes).
    secured.addHook('onRequest', sessionOrBearerAuth({ sessions, bearer, db: deps.db }))
    installAuditLog(secured, deps.db)
    secured.register(consoleSessionRoutes, { sessions, secureCookie: config.CONSOLE_COOKIE_SECURE })
    secured.register(consoleLexiRoutes, { lexi })
    secured.register(consoleDecisionsRoutes, { db: deps.db })
    secured.register(consoleViewsRoutes, { db: deps.db, prompts: deps.prompts, enablePanicExit: config.ENABLE_PANIC_EXIT })
    secured.register(llmAdminRoutes, { db: deps.db, llm: deps.llm, prompts: deps.prompts })
    secured.register(strategistRoutes, {
      db: deps.db,
      broker: deps.broker,
      limits: config,
      logger: deps.logger,
      enablePanicExit: config.ENABLE_PANIC_EXIT,
      lockTimeoutMs: config.STRATEGIST_LOCK_TIMEOUT_MS,
      flattenLockTimeoutMs: config.PANIC_FLATTEN_LOCK_TIMEOUT_MS,
    })
  })
  return app
}
