import { z } from 'zod'
import { commonEnv, envField, loadEnv, servicePort, type Env } from '@pulsetrade/config'

export const AnalyticsEnv = z.object({
  ...servicePort('analytics'),
  HOST: envField.string({ minLength: 1 }).default('0.0.0.0'),
  /** Required: `make run` always passes it. */
  DATABASE_URL: envField.postgresUrl(),
  ...commonEnv.log,
  ...commonEnv.llm,
  /** No /analytics/recent request waits longer for the summary; also the Lexi call's own deadline. */
  ANALYTICS_SUMMARY_TIMEOUT_MS: envField.int({ min: 100, max: 120_000 }).default(8_000),
  /** One summary (one Lexi call at most) per window, shared by every /analytics/recent query. */
  ANALYTICS_SUMMARY_WINDOW_MS: envField.int({ min: 1_000, max: 86_400_000 }).default(60_000),
  /** Bearer token for /analytics/*; unset: only loopback clients are answered (see ANALYTICS_PUBLIC). */
  ANALYTICS_READ_TOKEN: envField.string({ minLength: 16 }).optional(),
  /** 1: without ANALYTICS_READ_TOKEN, answer /analytics/* from any address (not recommended). */
  ANALYTICS_PUBLIC: envField.boolean().default(false),
  /** Largest request body in bytes (413 above). */
  HTTP_BODY_LIMIT: envField.int({ min: 1024, max: 104_857_600 }).default(262_144),
})
export type AnalyticsConfig = z.output<typeof AnalyticsEnv>

/** The analytics service's settings. Pure; a bad value throws a one-line ConfigError naming the variable. */
export const loadConfig = (env: Env): AnalyticsConfig => loadEnv(AnalyticsEnv, env)
