import type { EvalRecord } from './eval-record'

export interface GroupOutcome {
  /** Records in the group with a realized return (and, for policy, an order). */
  n: number
  hits: number
  hit_rate: number | null
  mean_return: number | null
}

export interface Outcomes {
  definition: string
  groups: Record<string, GroupOutcome>
}

const group = (returns: number[]): GroupOutcome => {
  const hits = returns.filter((r) => r > 0).length
  const sum = returns.reduce((s, r) => s + r, 0)
  return {
    n: returns.length,
    hits,
    hit_rate: returns.length === 0 ? null : hits / returns.length,
    mean_return: returns.length === 0 ? null : sum / returns.length,
  }
}

export const POLICY_OUTCOME_DEFINITION =
  'orders with a realized return, split by the policy decision; return = realized log return signed by the order side (buy +, sell −); hit = signed return > 0'
export const RATIONALE_OUTCOME_DEFINITION =
  'forecasts with a realized return, split into confident_up (p_up > 0.5 and confidence >= the confident threshold) and all other valid answers; hit = realized return > 0'

/**
 * Hit rate and mean realized return per decision group, or null when no record of the version has
 * a realized return. Records without a valid answer are left out (they have no decision).
 */
export function outcomesOf(prompt: string, records: readonly EvalRecord[]): Outcomes | null {
  const decided = records.filter((r) => r.realized_return !== null && r.decision !== null)
  if (decided.length === 0) return null
  if (prompt === 'policy') {
    const withOrder = decided.filter((r) => r.order_side !== null)
    const signed = (r: EvalRecord): number => (r.order_side === 'sell' ? -1 : 1) * (r.realized_return as number)
    return {
      definition: POLICY_OUTCOME_DEFINITION,
      groups: {
        allow: group(withOrder.filter((r) => r.decision === 'allow').map(signed)),
        deny: group(withOrder.filter((r) => r.decision === 'deny').map(signed)),
      },
    }
  }
  const ret = (r: EvalRecord): number => r.realized_return as number
  return {
    definition: RATIONALE_OUTCOME_DEFINITION,
    groups: {
      confident_up: group(decided.filter((r) => r.decision === 'confident_up').map(ret)),
      other: group(decided.filter((r) => r.decision !== 'confident_up').map(ret)),
    },
  }
}
