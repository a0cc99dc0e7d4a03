import { z } from 'zod'
import { commonEnv, envField, loadEnv, servicePort, type Env } from '@pulsetrade/config'
import { riskEnvSchema } from '@pulsetrade/trading'

export const AdminEnv = z.object({
  ...servicePort('admin'),
  /** Loopback unless told otherwise: compose sets 0.0.0.0 (its port mapping decides who can connect). */
  HOST: envField.string({ minLength: 1 }).default('127.0.0.1'),
  /** Required: `make run` always passes it. */
  DATABASE_URL: envField.postgresUrl(),
  ...commonEnv.log,
  ...commonEnv.llm,
  /**
   * Required here: the service refuses to start without a token of at least 16 visible characters
   * (none of them whitespace). Requests with it act as `admin` in audit_log.
   */
  ADMIN_TOKEN: envField.token({ minLength: 16 }),
  /** More admin tokens, each acting as its own name in audit_log: `alice=<token>,bob=<token>`. */
  ADMIN_TOKENS: envField.namedTokens({ minLength: 16 }).optional(),
  /** Failed authentications per client address per minute before further attempts get 429. */
  ADMIN_AUTH_MAX_FAILURES: envField.int({ min: 1, max: 100_000 }).default(10),
  /** 1: POST /strategist/panic-exit is served; unset, the route answers 404. */
  ENABLE_PANIC_EXIT: envField.boolean().default(false),
  /**
   * Budget of one strategist state change (panic exit, resume): queued behind this process's other
   * state changes plus the wait for the trading_state lock. 503 with Retry-After when it runs out.
   */
  STRATEGIST_LOCK_TIMEOUT_MS: envField.int({ min: 100, max: 60_000 }).default(5000),
  /** Longest wait of a panic exit's flatten for a position row another session holds (that position is then reported open). */
  PANIC_FLATTEN_LOCK_TIMEOUT_MS: envField.int({ min: 50, max: 60_000 }).default(2000),
  /** Lifetime of an operator console login in ms, counted from the login (not extended by use): 8 h, one shift. */
  CONSOLE_SESSION_TTL_MS: envField.int({ min: 1000, max: 604_800_000 }).default(28_800_000),
  /** 1: the console's session cookie carries Secure (only sent over HTTPS); off for `make run` on plain HTTP. */
  CONSOLE_COOKIE_SECURE: envField.boolean().default(false),
  /** Largest request body in bytes (413 above). */
  HTTP_BODY_LIMIT: envField.int({ min: 1024, max: 104_857_600 }).default(262_144),
  /** Panic exit flattens with the paper broker and the lot rules of the risk limits. */
  ...riskEnvSchema.shape,
})
export type AdminConfig = z.output<typeof AdminEnv>

/** The admin service's settings. Pure; a bad value throws a one-line ConfigError naming the variable. */
export const loadConfig = (env: Env): AdminConfig => loadEnv(AdminEnv, env)
