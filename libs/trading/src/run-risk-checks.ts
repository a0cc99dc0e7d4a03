import type { RiskVerdict } from '@pulsetrade/llm'
import type { RiskLimits } from './limits'
import { isRiskReducing } from './is-risk-reducing'
import { RISK_CHECKS } from './risk-checks'
import type { RiskContext, RiskOrder } from './trading-types'

export interface RiskResult extends RiskVerdict {
  /** Derived from the order and the position, never taken from the caller. */
  riskReducing: boolean
}

/** Runs every risk check (none short-circuits, so the record shows them all); pass = all passed. */
export function runRiskChecks (order: RiskOrder, ctx: RiskContext, limits: RiskLimits): RiskResult {
  const riskReducing = isRiskReducing(order, { qty: ctx.positionQty })
  const full = { ...ctx, riskReducing }
  const checks = RISK_CHECKS.map((fn) => fn(order, full, limits))
  return { pass: checks.every((c) => c.pass), checks, riskReducing }
}
