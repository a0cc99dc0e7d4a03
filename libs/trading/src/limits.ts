import { z } from 'zod'

/** An unset or empty variable takes the default. */
const blankToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v)
const num = (check: z.ZodNumber, def: number) => z.preprocess(blankToUndefined, z.coerce.number().pipe(check).default(def))

/**
 * Risk limits and paper-broker knobs, as an env-like object schema. Services merge it into their
 * own env schema (`Env.extend(riskEnvSchema.shape)`) and pass the parsed config on as RiskLimits.
 */
export const riskEnvSchema = z.object({
  /** Comma-separated symbols risk-increasing orders may trade. */
  RISK_SYMBOL_ALLOWLIST: z
    .preprocess(blankToUndefined, z.string().default('SPX'))
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    )
    .pipe(z.array(z.string()).min(1, 'expected at least one symbol')),
  /** Order quantities must be a multiple of this. */
  RISK_LOT_SIZE: num(z.number().positive(), 1),
  RISK_MAX_QTY: num(z.number().positive(), 1000),
  /** Largest |qty × ref_price| of one order. */
  RISK_MAX_ORDER_NOTIONAL: num(z.number().positive(), 250_000),
  /** Largest |position qty after the trade × ref_price|. */
  RISK_MAX_POSITION_NOTIONAL: num(z.number().positive(), 1_000_000),
  /** A reference price older than this (vs the caller's `now`) is stale. Default 4 days (daily bars). */
  RISK_MAX_PRICE_AGE_MS: num(z.number().int().positive(), 345_600_000),
  /** Largest distance of the reference price from the last bar close, in basis points. */
  RISK_COLLAR_BPS: num(z.number().nonnegative(), 500),
  /** Placed risk-increasing orders per rolling minute, counted in Postgres across workers. */
  RISK_MAX_ORDERS_PER_MIN: num(z.number().int().positive(), 600),
  /** Paper fills: buys pay ref × (1 + bps/10⁴), sells receive ref × (1 − bps/10⁴). */
  PAPER_SLIPPAGE_BPS: num(z.number().nonnegative(), 1),
})

export type RiskLimits = z.infer<typeof riskEnvSchema>

/** The limits from an env-like object (defaults for anything unset). */
export const loadRiskLimits = (env: Record<string, string | undefined> = {}): RiskLimits => riskEnvSchema.parse(env)
