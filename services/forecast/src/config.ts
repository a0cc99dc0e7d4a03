import { z } from 'zod'
import { commonEnv, envField, loadEnv, servicePort, type Env } from '@pulsetrade/config'
import { riskEnvSchema } from '@pulsetrade/trading'
import { MODEL_NAMES, type ModelName } from './models/model-registry'

export const ForecastEnv = z.object({
  ...servicePort('forecast'),
  HOST: envField.string({ minLength: 1 }).default('0.0.0.0'),
  ...commonEnv.db,
  ...commonEnv.log,
  ...commonEnv.llm,
  ...commonEnv.gate,
  /** The primary model of the live pipeline (forecasts.model_version comes from it). */
  FORECAST_MODEL: envField
    .oneOf(MODEL_NAMES)
    .transform((v) => v as ModelName)
    .default('ewma'),
  /** Forecast horizon in bars. */
  FORECAST_HORIZON: envField.int({ min: 1, max: 250 }).default(1),
  /** Bars of history (the asof bar included) before a bar is forecast. */
  FORECAST_MIN_BARS: envField.int({ min: 21, max: 10_000 }).default(61),
  /** Bars in flight per worker; each makes two LLM calls, so 64 bars keep 64 LLM slots busy with a queue behind. */
  FORECAST_CONCURRENCY: envField.int({ min: 1, max: 4096 }).default(64),
  FORECAST_CLAIM_BATCH: envField.int({ min: 1, max: 4096 }).default(16),
  /** A claimed bar is reclaimable by another worker this long after its holder stopped renewing. */
  FORECAST_LEASE_MS: envField.int({ min: 300, max: 3_600_000 }).default(60_000),
  FORECAST_POLL_MS: envField.int({ min: 10, max: 600_000 }).default(2_000),
  FORECAST_FLUSH_MS: envField.int({ min: 1, max: 60_000 }).default(50),
  FORECAST_FLUSH_MAX: envField.int({ min: 1, max: 10_000 }).default(256),
  FORECAST_MAX_ATTEMPTS: envField.int({ min: 1, max: 100 }).default(5),
  FORECAST_RETRY_MS: envField.int({ min: 0, max: 3_600_000 }).default(5_000),
  /** Sizing rule (docs/forecast.md): no order below MIN_EDGE = |p_up - 0.5|, full notional at FULL_EDGE. */
  FORECAST_TARGET_NOTIONAL: envField.number({ min: 0, aboveMin: true, max: 1e12 }).default(100_000),
  FORECAST_MIN_EDGE: envField.number({ min: 0, max: 0.5 }).default(0.01),
  FORECAST_FULL_EDGE: envField.number({ min: 0, aboveMin: true, max: 0.5 }).default(0.1),
  /** Clock for the price-freshness check: the bar's own time (replay of history) or the wall clock (live). */
  FORECAST_ORDER_CLOCK: envField
    .oneOf(['bar', 'wall'] as const)
    .transform((v) => v as 'bar' | 'wall')
    .default('bar'),
  /**
   * Outage recovery (docs/forecast.md "Outages"): while Lexi is unreachable, bars older than
   * RISK_MAX_PRICE_AGE_MS (wall clock) wait without a row; 0 writes them fail-closed like live bars.
   */
  FORECAST_OUTAGE_PAUSE: envField.boolean().default(true),
  /** Rows re-enriched at once after an outage (two LLM calls each). */
  FORECAST_REENRICH_CONCURRENCY: envField.int({ min: 1, max: 1024 }).default(8),
  /** server.ts imports this CSV when market_bars is empty; unset means the bundled data/ file. */
  FORECAST_BOOTSTRAP_CSV: envField.string({ minLength: 1 }).optional(),
  FORECAST_BOOTSTRAP_SYMBOL: envField.string({ minLength: 1 }).default('SPX'),
  /** server.ts also appends synthetic bars (seeded GBM) every FEED_INTERVAL_MS when set. */
  FORECAST_FEED: envField.boolean().default(false),
  FORECAST_FEED_SEED: envField.int({ min: 0, max: 2 ** 31 - 1 }).default(1),
  FORECAST_FEED_SYMBOL: envField.string({ minLength: 1 }).default('SIM'),
  FORECAST_FEED_INTERVAL_MS: envField.int({ min: 10, max: 86_400_000 }).default(5_000),
})

/** The risk limits (RISK_*, PAPER_*) are parsed by libs/trading's own schema. */
export type ForecastConfig = z.output<typeof ForecastEnv> & { risk: z.output<typeof riskEnvSchema> }

/** The forecast worker's settings. Pure; a bad value throws a one-line ConfigError naming the variable. */
export function loadConfig(env: Env): ForecastConfig {
  const config = loadEnv(ForecastEnv, env)
  const risk = loadEnv(riskEnvSchema, env)
  return { ...config, risk }
}
