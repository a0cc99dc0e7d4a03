import type { Db } from '@pulsetrade/db'
import {
  evaluateGate,
  toPolicyRecord,
  type FeaturesLlm,
  type GateInput,
  type GateMode,
  type GateVerdict,
  type LlmResult,
  type PolicyDecision,
} from '@pulsetrade/llm'
import { submitOrder, type Broker, type DecideOrder, type RiskLimits } from '@pulsetrade/trading'
import type { Logger } from 'pino'
import type { PlaceOrder } from './forecast-writer'

export type Gate = (input: GateInput) => GateVerdict

export interface GateSettings {
  mode: GateMode
  gateDisabled: boolean
  lotSize: number
  /** LLM_GATE_REQUIRE_GROUNDED: an ungrounded rationale fails the LLM step. @default false */
  requireGrounded?: boolean
  /** The policy gate; a test passes a wrapper to count its runs. @default evaluateGate */
  gate?: Gate
}

/**
 * Risk verdict → policy gate for one order, as libs/trading's placement calls it (once, under the
 * placement's locks). The gate's verdict is both orders.gate and, through toPolicyRecord,
 * forecasts.features.llm.policy: one decision, recorded twice. `policy` is the stored policy
 * record (an LlmResult plus the gate fields, which the gate does not read); when the call failed,
 * its fail_reason (the enricher's diagnosis of an open circuit included) is what the gate records.
 */
export function decideWithGate(
  policy: (LlmResult<PolicyDecision> & { fail_reason?: GateInput['llmFailReason'] }) | null,
  s: GateSettings,
  grounding: GateInput['rationaleGrounding'] = null,
): DecideOrder {
  const gate = s.gate ?? evaluateGate
  return (risk, order) => {
    const verdict = gate({
      risk,
      llm: policy,
      llmFailReason: policy?.fail_reason ?? null,
      riskReducing: risk.riskReducing,
      mode: s.mode,
      gateDisabled: s.gateDisabled,
      qty: order.qty,
      lotSize: s.lotSize,
      requireGrounded: s.requireGrounded ?? false,
      rationaleGrounding: grounding,
    })
    return { decision: verdict, policy: toPolicyRecord(policy, verdict) }
  }
}

export interface OrderPlacerOptions extends GateSettings {
  db: Db
  broker: Broker
  limits: RiskLimits
  /** `bar`: price freshness is judged at the forecast's asof (replays); `wall`: now. */
  clock: 'bar' | 'wall'
  logger: Logger
}

/**
 * The forecast worker's order placement: risk → gate → placement once per order, in one
 * transaction (libs/trading's submitOrder with decideWithGate). Returns the metric outcome.
 */
export function createOrderPlacer(o: OrderPlacerOptions): PlaceOrder {
  return async ({ forecastId, asof, features }: { forecastId: number; asof: Date; features: FeaturesLlm }) => {
    const order = features.inputs.order
    if (!order) return 'none'
    const out = await submitOrder(o.db, {
      forecastId,
      symbol: features.inputs.symbol,
      side: order.side,
      qty: order.qty,
      refPrice: order.ref_price,
      lastClose: order.ref_price,
      priceTs: asof,
      now: o.clock === 'bar' ? asof : new Date(),
      decide: decideWithGate(features.policy, o, features.rationale.grounding),
      limits: o.limits,
      broker: o.broker,
      logger: o.logger,
    })
    return out.duplicate ? 'duplicate' : out.order.status
  }
}
