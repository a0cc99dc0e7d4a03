import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { PolicyRecordSchema, type LlmResult, type PolicyDecision } from '../src/contract'
import { evaluateGate, type GateInput } from '../src/gate/evaluate-gate'
import type { RiskCheck } from '../src/gate/gate-types'
import { toPolicyRecord } from '../src/gate/to-policy-record'
import { failedResult, policyResult } from './gate-fixtures'

const RUNS = { numRuns: 2000 }

const checkArb: fc.Arbitrary<RiskCheck> = fc.record({
  check: fc.constantFrom('state', 'symbol', 'qty', 'price_freshness', 'collar', 'order_notional', 'position_notional', 'throttle'),
  pass: fc.boolean(),
  code: fc.constantFrom('OK', 'SKIPPED', 'RISK_STATE_HALTED', 'RISK_MAX_NOTIONAL', 'RISK_THROTTLE'),
  reason: fc.constantFrom('fine', 'state=HALTED', 'notional=1 limit=0', 'orders_last_min=9 limit=9'),
})
const riskArb = fc.array(checkArb, { maxLength: 8 }).chain((checks) =>
  fc
    .constantFrom(
      checks.every((c) => c.pass),
      false,
    )
    .map((pass) => ({ pass, checks })),
)

const goodDecision = fc.record({
  decision: fc.constantFrom('allow' as const, 'deny' as const),
  size_factor: fc.double({ min: 0.000001, max: 1, noNaN: true }),
})
const validLlm = goodDecision.map((d) => policyResult(d))
const failedLlm: fc.Arbitrary<LlmResult<PolicyDecision> | null> = fc.oneof(
  fc.constant(null),
  fc
    .constantFrom(
      'LLM_ERR_TIMEOUT',
      'LLM_ERR_UNREACHABLE',
      'LLM_ERR_INVALID_JSON',
      'LLM_ERR_CIRCUIT_OPEN',
      'LLM_ERR_QUEUE_FULL',
      'LLM_ERR_CONTEXT_LENGTH',
      'LLM_ERR_UPSTREAM',
    )
    .map((c) => failedResult(c)),
  fc.string().map((c) => failedResult(c)),
  fc.constant(policyResult(null)),
  fc.constant(policyResult(null, { ok: true, error: null })),
  // What a client bug could hand over: parsed values the schema refuses.
  fc
    .oneof(fc.double({ min: 1.0000001, max: 1e6, noNaN: true }), fc.constant(0), fc.constant(-1), fc.constant(Number.NaN))
    .map((sf) => policyResult({ size_factor: sf })),
  fc.constant(policyResult({ decision: 'maybe' as unknown as 'allow' })),
)
const llmArb = fc.oneof(validLlm, failedLlm)
const qtyArb = fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0.0001, max: 1e6, noNaN: true }))
const inputArb: fc.Arbitrary<GateInput> = fc.record({
  risk: riskArb,
  llm: llmArb,
  riskReducing: fc.boolean(),
  mode: fc.constantFrom('enforce' as const, 'shadow' as const),
  gateDisabled: fc.boolean(),
  qty: qtyArb,
  lotSize: fc.constantFrom(1, 0.1, 0.5, 10, 100),
})

describe('evaluateGate properties', () => {
  test('the LLM never increases size: final qty is within [0, requested], 0 exactly when denied', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const v = evaluateGate(input)
        expect(v.qty).toBeGreaterThanOrEqual(0)
        expect(v.qty).toBeLessThanOrEqual(input.qty)
        expect(v.effective === 'deny').toBe(v.qty === 0)
      }),
      RUNS,
    )
  })

  test('ORDER_GATE_DISABLED never bypasses a failed risk check', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const v = evaluateGate({ ...input, gateDisabled: true })
        const riskFailed = !input.risk.pass || input.risk.checks.some((c) => !c.pass)
        expect(v.effective).toBe(riskFailed ? 'deny' : input.riskReducing ? 'reduce_only_allowed' : 'allow')
      }),
      RUNS,
    )
  })

  test('in enforce mode a missing, failed or invalid decision never allows a risk-increasing order', () => {
    fc.assert(
      fc.property(inputArb, failedLlm, (input, llm) => {
        const v = evaluateGate({ ...input, llm, mode: 'enforce', gateDisabled: false, riskReducing: false })
        expect(v.effective).toBe('deny')
        expect(v.fail_reason).not.toBeNull()
      }),
      RUNS,
    )
  })

  test('in enforce mode an allowed risk-increasing order had an allow decision and is at most qty × size_factor', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const v = evaluateGate({ ...input, mode: 'enforce', gateDisabled: false, riskReducing: false })
        if (v.effective !== 'allow') return
        const d = input.llm?.parsed
        expect(d?.decision).toBe('allow')
        if (d && d.size_factor < 1) expect(v.qty).toBeLessThanOrEqual(input.qty * d.size_factor + 1e-9)
      }),
      RUNS,
    )
  })

  test('every verdict yields a features.llm.policy record that passes PolicyRecordSchema', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const v = evaluateGate(input)
        const rec = PolicyRecordSchema.parse(toPolicyRecord(input.llm, v))
        expect(rec).toMatchObject({ mode: input.mode, gate_disabled: input.gateDisabled, effective: v.effective, would: v.would })
      }),
      { numRuns: 1000 },
    )
  })
})
