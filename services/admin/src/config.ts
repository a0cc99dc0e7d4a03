import { z } from 'zod'
import { commonEnv, envField, loadEnv, servicePort, type Env } from '@pulsetrade/config'
import { riskEnvSchema } from '@pulsetrade/trading'

export const AdminEnv = z.object({
  ...servicePort('admin'),
  HOST: envField.string({ minLength: 1 }).default('0.0.0.0'),
  /** Required: `make run` always passes it. */
  DATABASE_URL: envField.postgresUrl(),
  ...commonEnv.log,
  ...commonEnv.llm,
  /** Required here: the service refuses to start without a token of at least 16 characters. */
  ADMIN_TOKEN: envField.string({ minLength: 16 }),
  ENABLE_PANIC_EXIT: commonEnv.admin.ENABLE_PANIC_EXIT,
  /**
   * Budget of one strategist state change (panic exit, resume): queued behind this process's other
   * state changes plus the wait for the trading_state lock. 503 with Retry-After when it runs out.
   */
  STRATEGIST_LOCK_TIMEOUT_MS: envField.int({ min: 100, max: 60_000 }).default(5000),
  /** Largest request body in bytes (413 above). */
  HTTP_BODY_LIMIT: envField.int({ min: 1024, max: 104_857_600 }).default(262_144),
  /** Panic exit flattens with the paper broker and the lot rules of the risk limits. */
  ...riskEnvSchema.shape,
})
export type AdminConfig = z.output<typeof AdminEnv>

/** The admin service's settings. Pure; a bad value throws a one-line ConfigError naming the variable. */
export const loadConfig = (env: Env): AdminConfig => loadEnv(AdminEnv, env)
