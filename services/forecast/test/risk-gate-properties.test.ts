import fc from 'fast-check'
import type { GateMode, LlmResult, PolicyDecision } from '@pulsetrade/llm'
import {
  decisionAllows,
  isRiskReducing,
  loadRiskLimits,
  runRiskChecks,
  type OrderDecision,
  type RiskContext,
  type RiskLimits,
  type RiskOrder,
  type RiskResult,
  type TradingStateName,
} from '@pulsetrade/trading'
import { describe, expect, test } from 'vitest'
import { decideWithGate } from '../src/pipeline/place-gated-order'
import { failedResult, policyResult } from './policy-fixtures'

/**
 * Acceptance properties of the whole pre-trade decision: runRiskChecks (libs/trading) composed with
 * evaluateGate (libs/llm) by decideWithGate, exactly as the forecast service hands it to the
 * placement, over arbitrary orders, positions, states, limits, modes and LLM answers.
 */

const RUNS = { numRuns: 2000 }
const NOW = new Date('2024-03-01T21:00:00Z')

const limitsArb: fc.Arbitrary<RiskLimits> = fc
  .record({
    lot: fc.constantFrom('1', '0.5', '10'),
    maxQty: fc.constantFrom('100', '1000'),
    notional: fc.constantFrom('50000', '250000'),
    position: fc.constantFrom('200000', '1000000'),
    collar: fc.constantFrom('0', '50', '500'),
    rate: fc.constantFrom('1', '600'),
  })
  .map((l) =>
    loadRiskLimits({
      RISK_SYMBOL_ALLOWLIST: 'SPX,AAA',
      RISK_LOT_SIZE: l.lot,
      RISK_MAX_QTY: l.maxQty,
      RISK_MAX_ORDER_NOTIONAL: l.notional,
      RISK_MAX_POSITION_NOTIONAL: l.position,
      RISK_COLLAR_BPS: l.collar,
      RISK_MAX_ORDERS_PER_MIN: l.rate,
    }),
  )

const orderArb: fc.Arbitrary<RiskOrder> = fc
  .record({
    symbol: fc.constantFrom('SPX', 'AAA', 'TSLA'),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    qty: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0.01, max: 3000, noNaN: true })),
    refPrice: fc.option(fc.double({ min: 1, max: 6000, noNaN: true }), { freq: 8 }),
    drift: fc.double({ min: -0.1, max: 0.1, noNaN: true }),
    ageMs: fc.option(fc.integer({ min: -3_600_000, max: 10 * 86_400_000 }), { freq: 8 }),
  })
  .map(({ drift, ageMs, ...o }) => ({
    ...o,
    lastClose: o.refPrice == null ? null : o.refPrice * (1 + drift),
    priceTs: ageMs == null ? null : new Date(NOW.getTime() - ageMs),
  }))

const ctxArb: fc.Arbitrary<RiskContext> = fc.record({
  state: fc.constantFrom<TradingStateName>('ACTIVE', 'HALTED', 'REDUCING'),
  positionQty: fc.oneof(fc.constant(0), fc.integer({ min: -3000, max: 3000 }), fc.double({ min: -3000, max: 3000, noNaN: true })),
  panic: fc.boolean(),
  recentOrders: fc.integer({ min: 0, max: 700 }),
  now: fc.constant(NOW),
})

const validLlm = fc
  .record({ decision: fc.constantFrom('allow' as const, 'deny' as const), size_factor: fc.double({ min: 0.001, max: 1, noNaN: true }) })
  .map((d) => policyResult(d))
const badLlm: fc.Arbitrary<LlmResult<PolicyDecision> | null> = fc.oneof(
  fc.constant(null),
  fc.constantFrom('LLM_ERR_TIMEOUT', 'LLM_ERR_UNREACHABLE', 'LLM_ERR_INVALID_JSON', 'LLM_ERR_CIRCUIT_OPEN', 'LLM_ERR_UPSTREAM').map(failedResult),
  fc.constant(policyResult({}, { parsed: null, valid_json: false })),
  fc.double({ min: 1.01, max: 100, noNaN: true }).map((sf) => policyResult({ size_factor: sf })),
)

interface Case {
  order: RiskOrder
  ctx: RiskContext
  limits: RiskLimits
  llm: LlmResult<PolicyDecision> | null
  mode: GateMode
  gateDisabled: boolean
}
const caseArb: fc.Arbitrary<Case> = fc.record({
  order: orderArb,
  ctx: ctxArb,
  limits: limitsArb,
  llm: fc.oneof(validLlm, badLlm),
  mode: fc.constantFrom<GateMode>('enforce', 'shadow'),
  gateDisabled: fc.boolean(),
})

function decide(c: Case): { risk: RiskResult; verdict: OrderDecision } {
  const risk = runRiskChecks(c.order, c.ctx, c.limits)
  const { decision } = decideWithGate(c.llm, { mode: c.mode, gateDisabled: c.gateDisabled, lotSize: c.limits.RISK_LOT_SIZE })(risk, c.order)
  return { risk, verdict: decision }
}
const placed = (v: OrderDecision): boolean => v.effective !== 'deny'
const increasing = (c: Case): boolean => !isRiskReducing(c.order, { qty: c.ctx.positionQty })

describe('risk checks + policy gate', () => {
  test('in HALTED no order passes (only a panic exit may reduce a position)', () => {
    fc.assert(
      fc.property(caseArb, (c0) => {
        const c = { ...c0, ctx: { ...c0.ctx, state: 'HALTED' as const, panic: false } }
        expect(decide(c).verdict.effective).toBe('deny')
        const panic = { ...c, ctx: { ...c.ctx, panic: true } }
        if (increasing(panic)) expect(decide(panic).verdict.effective).toBe('deny')
      }),
      RUNS,
    )
  })

  test('in REDUCING no risk-increasing order passes', () => {
    fc.assert(
      fc.property(caseArb, (c0) => {
        const c = { ...c0, ctx: { ...c0.ctx, state: 'REDUCING' as const } }
        if (increasing(c)) expect(decide(c).verdict.effective).toBe('deny')
      }),
      RUNS,
    )
  })

  test('the LLM never increases size', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { verdict } = decide(c)
        expect(verdict.qty).toBeLessThanOrEqual(c.order.qty)
        if (verdict.effective === 'allow' && increasing(c) && c.mode === 'enforce' && !c.gateDisabled) {
          const sf = c.llm?.parsed?.size_factor ?? 1
          expect(verdict.qty).toBeLessThanOrEqual(c.order.qty * sf + 1e-9)
        }
      }),
      RUNS,
    )
  })

  test('ORDER_GATE_DISABLED never bypasses a risk check', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { risk, verdict } = decide({ ...c, gateDisabled: true })
        expect(placed(verdict)).toBe(risk.pass)
        if (placed(verdict)) expect(risk.checks.every((x) => x.pass)).toBe(true)
      }),
      RUNS,
    )
  })

  test('a failed or invalid LLM decision never allows a risk-increasing order in enforce mode', () => {
    fc.assert(
      fc.property(caseArb, badLlm, (c0, llm) => {
        const c = { ...c0, llm, mode: 'enforce' as const, gateDisabled: false }
        if (increasing(c)) expect(decide(c).verdict.effective).toBe('deny')
      }),
      RUNS,
    )
  })

  test('a risk-reducing order that passes the risk checks is reduce_only_allowed whatever the LLM said; nothing else is', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { risk, verdict } = decide(c)
        expect(verdict.effective === 'reduce_only_allowed').toBe(risk.pass && risk.riskReducing)
      }),
      RUNS,
    )
  })

  test('the placement guard accepts every gate verdict: it places exactly what the gate allows', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { risk, verdict } = decide(c)
        expect(decisionAllows(verdict, risk, c.order.qty)).toBe(placed(verdict))
      }),
      RUNS,
    )
  })
})
