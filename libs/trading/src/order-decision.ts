import { InvalidOrderError } from './errors'
import type { DecidedOrder, OrderDecision, RiskResult, RiskOrder, DecisionStep } from './trading-types'

/**
 * The decision of an order that no policy gate sees: the panic exit's reduce-only flatten. The risk
 * verdict decides alone: a risk-reducing order that passes every check is `reduce_only_allowed`
 * with its full quantity; anything else is denied. Stored whole in orders.gate, in the shape the
 * policy gate writes (steps, checks, reason_code), so every order row reads the same way.
 */
export function decideReduceOnly(risk: RiskResult, order: RiskOrder): DecidedOrder {
  const failed = risk.checks.filter((c) => !c.pass)
  const base = {
    requested_qty: order.qty,
    size_factor: null,
    mode: 'enforce' as const,
    gate_disabled: false,
    risk_reducing: risk.riskReducing,
    would: null,
    warn: null,
    checks: risk.checks,
  }
  if (!risk.pass || failed.length > 0) {
    const code = failed[0]?.code ?? 'RISK_DENIED'
    const step: DecisionStep = { step: 'risk', verdict: 'deny', code, reason: failed.map((c) => `${c.check}: ${c.reason}`).join('; ') || 'risk verdict failed' }
    return { decision: { ...base, effective: 'deny', qty: 0, fail_reason: 'risk_denied', reason_code: code, steps: [step] }, policy: null }
  }
  if (!risk.riskReducing) {
    const step: DecisionStep = { step: 'risk', verdict: 'deny', code: 'RISK_NOT_REDUCING', reason: 'a reduce-only order would add to the position' }
    return { decision: { ...base, effective: 'deny', qty: 0, fail_reason: 'risk_denied', reason_code: 'RISK_NOT_REDUCING', steps: [step] }, policy: null }
  }
  const steps: DecisionStep[] = [
    { step: 'risk', verdict: 'allow', code: 'RISK_OK', reason: `${risk.checks.length} checks passed` },
    { step: 'llm', verdict: 'skipped', code: 'RISK_REDUCING', reason: 'the LLM is not consulted for risk-reducing orders' },
  ]
  return { decision: { ...base, effective: 'reduce_only_allowed', qty: order.qty, fail_reason: null, reason_code: 'RISK_REDUCING', steps }, policy: null }
}

/**
 * Placement's own guard over whatever decided the order: a decision may only tighten what the risk
 * checks allow. A failed check, a quantity above the request, or `reduce_only_allowed` on an order
 * that adds risk is a bug in the decider: it throws, so nothing is placed and the job is retried.
 * Returns whether the order goes to the broker.
 */
export function decisionAllows(decision: OrderDecision, risk: RiskResult, requestedQty: number): boolean {
  if (decision.effective === 'deny') return false
  if (decision.effective !== 'allow' && decision.effective !== 'reduce_only_allowed') {
    throw new InvalidOrderError(`decision.effective must be allow, deny or reduce_only_allowed, got ${String(decision.effective)}`)
  }
  if (!risk.pass) throw new InvalidOrderError(`decision ${decision.reason_code} allows an order the risk checks deny`)
  if (decision.effective === 'reduce_only_allowed' && !risk.riskReducing) {
    throw new InvalidOrderError('decision reduce_only_allowed on an order that is not risk-reducing')
  }
  if (!(decision.qty > 0 && decision.qty <= requestedQty)) {
    throw new InvalidOrderError(`decision qty ${decision.qty} is not within (0, ${requestedQty}]`)
  }
  return true
}
