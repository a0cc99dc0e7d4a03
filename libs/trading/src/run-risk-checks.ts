import type { RiskLimits } from './limits'
import { isRiskReducing } from './is-risk-reducing'
import { RISK_CHECKS } from './risk-checks'
import type { RiskContext, RiskOrder, RiskResult } from './trading-types'

export type { RiskResult } from './trading-types'

/** Runs every risk check (none short-circuits, so the record shows them all); pass = all passed. */
export function runRiskChecks(order: RiskOrder, ctx: RiskContext, limits: RiskLimits): RiskResult {
  const riskReducing = isRiskReducing(order, { qty: ctx.positionQty })
  const full = { ...ctx, riskReducing }
  const checks = RISK_CHECKS.map((fn) => fn(order, full, limits))
  return { pass: checks.every((c) => c.pass), checks, riskReducing }
}
