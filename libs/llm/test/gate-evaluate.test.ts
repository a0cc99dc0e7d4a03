import { describe, expect, test } from 'vitest'
import { evaluateGate, shrinkQty, type GateInput } from '../src/gate/evaluate-gate'
import { gateFailReason } from '../src/gate/fail-reason'
import type { RiskVerdict } from '../src/gate/gate-types'
import { failedResult, policyResult } from './gate-fixtures'

const passRisk: RiskVerdict = { pass: true, checks: [{ check: 'state', pass: true, code: 'OK', reason: 'state=ACTIVE' }] }
const failRisk: RiskVerdict = {
  pass: false,
  checks: [
    { check: 'state', pass: true, code: 'OK', reason: 'state=ACTIVE' },
    { check: 'order_notional', pass: false, code: 'RISK_MAX_NOTIONAL', reason: 'notional=300000 limit=250000' },
  ],
}
const gate = (over: Partial<GateInput>) =>
  evaluateGate({ risk: passRisk, llm: policyResult({}), riskReducing: false, mode: 'enforce', gateDisabled: false, qty: 10, ...over })

describe('risk step', () => {
  test('a failed risk check denies with its reason code even when the gate is disabled', () => {
    for (const gateDisabled of [false, true]) {
      const v = gate({ risk: failRisk, gateDisabled, mode: 'shadow' })
      expect(v).toMatchObject({ effective: 'deny', qty: 0, reason_code: 'RISK_MAX_NOTIONAL', fail_reason: 'risk_denied', would: null })
      expect(v.steps).toEqual([{ step: 'risk', verdict: 'deny', code: 'RISK_MAX_NOTIONAL', reason: 'order_notional: notional=300000 limit=250000' }])
      expect(v.checks).toHaveLength(2)
    }
  })

  test('a failing check denies even when the risk verdict claims pass', () => {
    expect(gate({ risk: { pass: true, checks: failRisk.checks } }).effective).toBe('deny')
  })
})

describe('enforce mode', () => {
  test('an allowing decision with size_factor 1 keeps the quantity', () => {
    const v = gate({})
    expect(v).toMatchObject({
      effective: 'allow',
      qty: 10,
      requested_qty: 10,
      reason_code: 'LLM_ALLOW',
      size_factor: 1,
      would: null,
      fail_reason: null,
      warn: null,
    })
    expect(v.steps.map((s) => [s.step, s.verdict, s.code])).toEqual([
      ['risk', 'allow', 'RISK_OK'],
      ['llm', 'allow', 'LLM_ALLOW'],
    ])
  })

  test('size_factor shrinks the quantity rounded down to the lot', () => {
    expect(gate({ qty: 7, llm: policyResult({ size_factor: 0.5 }) })).toMatchObject({ effective: 'allow', qty: 3, reason_code: 'LLM_SHRINK' })
    expect(gate({ qty: 100, lotSize: 10, llm: policyResult({ size_factor: 0.37 }) })).toMatchObject({ qty: 30 })
    expect(gate({ qty: 0.3, lotSize: 0.1, llm: policyResult({ size_factor: 0.999999 }) })).toMatchObject({ qty: 0.2 })
  })

  test('shrinking below one lot denies', () => {
    expect(gate({ qty: 1, llm: policyResult({ size_factor: 0.5 }) })).toMatchObject({
      effective: 'deny',
      qty: 0,
      reason_code: 'LLM_SIZE_ZERO',
      fail_reason: 'llm_denied',
    })
  })

  test('a deny decision denies', () => {
    const v = gate({ llm: policyResult({ decision: 'deny', reason: 'earnings tomorrow' }) })
    expect(v).toMatchObject({ effective: 'deny', reason_code: 'LLM_DENY', fail_reason: 'llm_denied' })
    expect(v.steps[1]?.reason).toContain('earnings tomorrow')
  })

  test.each([
    ['LLM_ERR_TIMEOUT', 'timeout'],
    ['LLM_ERR_UNREACHABLE', 'unreachable'],
    ['LLM_ERR_INVALID_JSON', 'invalid_json'],
    ['LLM_ERR_CIRCUIT_OPEN', 'circuit_open'],
    ['LLM_ERR_QUEUE_FULL', 'queue_full'],
    ['LLM_ERR_CONTEXT_LENGTH', 'context_length'],
    ['LLM_ERR_UPSTREAM', 'upstream_error'],
  ])('a failed call with %s denies with fail_reason %s', (code, reason) => {
    expect(gate({ llm: failedResult(code) })).toMatchObject({ effective: 'deny', qty: 0, fail_reason: reason, reason_code: `LLM_${reason.toUpperCase()}` })
  })

  test('no decision at all denies as missing; ok without parsed denies as invalid_json', () => {
    expect(gate({ llm: null })).toMatchObject({ effective: 'deny', fail_reason: 'missing', reason_code: 'LLM_MISSING' })
    expect(gate({ llm: policyResult(null, { ok: true, error: null }) })).toMatchObject({ effective: 'deny', fail_reason: 'invalid_json' })
  })

  test('a parsed decision outside the schema (size_factor above 1) denies as invalid_json', () => {
    const llm = policyResult({ size_factor: 1.5 })
    expect(gate({ llm })).toMatchObject({ effective: 'deny', fail_reason: 'invalid_json' })
  })
})

describe('shadow mode and ORDER_GATE_DISABLED', () => {
  test('shadow records would_deny but allows the full quantity', () => {
    const v = gate({ mode: 'shadow', llm: policyResult({ decision: 'deny' }) })
    expect(v).toMatchObject({ effective: 'allow', qty: 10, would: 'would_deny', fail_reason: 'llm_denied', reason_code: 'SHADOW_WOULD_DENY', mode: 'shadow' })
    expect(v.steps[1]).toMatchObject({ step: 'llm', verdict: 'would_deny' })
  })

  test('shadow records a failed call as would_deny with its fail_reason', () => {
    expect(gate({ mode: 'shadow', llm: failedResult('LLM_ERR_TIMEOUT') })).toMatchObject({ effective: 'allow', would: 'would_deny', fail_reason: 'timeout' })
  })

  test('shadow records an allowing decision as would_allow and does not shrink', () => {
    expect(gate({ mode: 'shadow', llm: policyResult({ size_factor: 0.5 }) })).toMatchObject({
      effective: 'allow',
      qty: 10,
      would: 'would_allow',
      size_factor: 0.5,
    })
  })

  test('a disabled gate allows, records the LLM opinion, adds an override step and a warning', () => {
    const v = gate({ gateDisabled: true, llm: failedResult('LLM_ERR_TIMEOUT') })
    expect(v).toMatchObject({ effective: 'allow', qty: 10, gate_disabled: true, reason_code: 'GATE_DISABLED', would: 'would_deny' })
    expect(v.warn).toMatch(/^ORDER_GATE_DISABLED/)
    expect(v.steps.at(-1)).toMatchObject({ step: 'override', verdict: 'allow', code: 'ORDER_GATE_DISABLED' })
  })
})

describe('risk-reducing orders', () => {
  test('are reduce_only_allowed without an LLM decision, in enforce mode too, and whatever the LLM said', () => {
    for (const llm of [null, policyResult({ decision: 'deny' }), failedResult('LLM_ERR_TIMEOUT')]) {
      const v = gate({ riskReducing: true, llm })
      expect(v).toMatchObject({ effective: 'reduce_only_allowed', qty: 10, reason_code: 'RISK_REDUCING', fail_reason: null, would: null })
      expect(v.steps[1]).toMatchObject({ step: 'llm', verdict: 'skipped', code: 'RISK_REDUCING' })
    }
  })

  test('still obey a failed risk check', () => {
    expect(gate({ riskReducing: true, risk: failRisk }).effective).toBe('deny')
  })
})

test('gateFailReason maps unknown codes to upstream_error, a refused prompt budget to context_length and no code to missing', () => {
  expect(gateFailReason('LLM_ERR_AUTH')).toBe('upstream_error')
  expect(gateFailReason('constructor')).toBe('upstream_error')
  expect(gateFailReason('LLM_ERR_PROMPT_TOO_LONG')).toBe('context_length')
  expect(gateFailReason(null)).toBe('missing')
})

test('gateFailReason of a fast-failed call whose circuit was opened by timeouts is timeout, as in orders.gate', () => {
  const error = { code: 'LLM_ERR_CIRCUIT_OPEN', cause: 'LLM_ERR_TIMEOUT', message: 'the breaker tripped (any wording)' }
  expect(gateFailReason(error)).toBe('timeout')
  expect(gateFailReason({ code: 'LLM_ERR_CIRCUIT_OPEN', message: 'circuit open for 127.0.0.1:8008/v1 after 5 consecutive timeouts' })).toBe('circuit_open')
  expect(
    evaluateGate({
      risk: { pass: true, checks: [] },
      llm: failedResult(error.code, error.message, error.cause),
      riskReducing: false,
      mode: 'enforce',
      gateDisabled: false,
      qty: 10,
    }),
  ).toMatchObject({ effective: 'deny', fail_reason: 'timeout' })
})

test('shrinkQty never returns more than the requested quantity', () => {
  expect(shrinkQty(0.3, 1, 0.1)).toBe(0.3)
  expect(shrinkQty(0.7, 0.9999999, 0.1)).toBeLessThanOrEqual(0.7)
})

test('shrinkQty never rounds a target just below a lot boundary up past qty × size_factor', () => {
  // Found by gate-properties: 999999.999999999 × 0.999999999999901 = 999999.9999999, not 10,000 lots of 100.
  expect(shrinkQty(999999.999999999, 0.999999999999901, 100)).toBe(999_900)
  expect(shrinkQty(0.3, 0.999999, 0.1)).toBe(0.2)
  expect(shrinkQty(3, 0.1, 0.1)).toBe(0.3)
})

test("the risk step's code comes from the check's code field, whatever its reason says", () => {
  const odd: RiskVerdict = {
    pass: false,
    checks: [{ check: 'collar', pass: false, code: 'RISK_COLLAR', reason: 'RISK_MAX_QTY: a reason that names another code' }],
  }
  expect(gate({ risk: odd })).toMatchObject({ effective: 'deny', reason_code: 'RISK_COLLAR', steps: [{ code: 'RISK_COLLAR' }] })
})

test('llmFailReason names why a failed call failed (a diagnosed open circuit); it never turns an answer into a failure', () => {
  expect(gate({ llm: failedResult('LLM_ERR_CIRCUIT_OPEN', 'circuit open'), llmFailReason: 'unreachable' })).toMatchObject({
    effective: 'deny',
    fail_reason: 'unreachable',
    reason_code: 'LLM_UNREACHABLE',
  })
  expect(gate({ llm: failedResult('LLM_ERR_TIMEOUT'), llmFailReason: 'llm_denied' })).toMatchObject({ fail_reason: 'timeout' })
  expect(gate({ llm: policyResult({}), llmFailReason: 'timeout' })).toMatchObject({ effective: 'allow', fail_reason: null })
})
