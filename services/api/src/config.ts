import { z } from 'zod'
import { commonEnv, envField, loadEnv, servicePort, type Env } from '@pulsetrade/config'

export const ApiEnv = z.object({
  ...servicePort('api'),
  /** Loopback unless told otherwise: compose sets 0.0.0.0 (its port mapping decides who can connect). */
  HOST: envField.string({ minLength: 1 }).default('127.0.0.1'),
  /** Required: `make run` always passes it. */
  DATABASE_URL: envField.postgresUrl(),
  ...commonEnv.log,
  ...commonEnv.llm,
  /** Deadline of one health probe. */
  LLM_HEALTH_TIMEOUT_MS: envField.int({ min: 100, max: 60_000 }).default(2_000),
  /**
   * Bearer tokens for POST /llm/chat: `name=<token>` pairs or bare tokens (named by fingerprint),
   * comma-separated, each at least 16 visible characters without whitespace. Unset: chat answers 401.
   */
  CHAT_TOKENS: envField.namedTokens({ minLength: 16 }).optional(),
  /** POST /llm/chat: most messages per request, total characters, requests per minute per token. */
  CHAT_MAX_MESSAGES: envField.int({ min: 1, max: 1000 }).default(50),
  CHAT_MAX_CHARS: envField.int({ min: 1, max: 10_000_000 }).default(32_000),
  CHAT_RATE_LIMIT_PER_MIN: envField.int({ min: 1, max: 1_000_000 }).default(60),
  /** Chat requests (streamed or not) one token may have in flight at once; more get 429. */
  CHAT_MAX_STREAMS_PER_TOKEN: envField.int({ min: 1, max: 1024 }).default(4),
  CHAT_AUTH_MAX_FAILURES: envField.int({ min: 1, max: 100_000 }).default(30),
  /** Largest request body in bytes (413 above). */
  HTTP_BODY_LIMIT: envField.int({ min: 1024, max: 104_857_600 }).default(262_144),
})
export type ApiConfig = z.output<typeof ApiEnv>

/** The api service's settings. Pure; a bad value throws a one-line ConfigError naming the variable. */
export const loadConfig = (env: Env): ApiConfig => loadEnv(ApiEnv, env)
