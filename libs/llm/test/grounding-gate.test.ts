import { expect, test } from 'vitest'
import { evaluateGate, type GateInput } from '../src/gate/evaluate-gate'
import type { RiskVerdict } from '../src/gate/gate-types'
import { policyResult } from './gate-fixtures'

// Issue 19: LLM_GATE_REQUIRE_GROUNDED makes an ungrounded rationale fail the gate's LLM step; off, it is only flagged.
const passRisk: RiskVerdict = { pass: true, checks: [{ check: 'state', pass: true, code: 'OK', reason: 'state=ACTIVE' }] }
const ungrounded = { cited: 6, matched: 5, unmatched: [{ text: '+1.87 %', where: 'summary' }] }
const grounded = { cited: 6, matched: 6, unmatched: [] }
const gate = (over: Partial<GateInput>) =>
  evaluateGate({ risk: passRisk, llm: policyResult({}), riskReducing: false, mode: 'enforce', gateDisabled: false, qty: 10, ...over })

test('off (the default): an ungrounded rationale does not change the verdict', () => {
  expect(gate({ rationaleGrounding: ungrounded })).toMatchObject({ effective: 'allow', qty: 10, reason_code: 'LLM_ALLOW' })
  expect(gate({ rationaleGrounding: ungrounded, requireGrounded: false })).toEqual(gate({}))
})

test('on, enforce: an ungrounded rationale denies with LLM_UNGROUNDED naming the number; a grounded or absent one does not', () => {
  const v = gate({ rationaleGrounding: ungrounded, requireGrounded: true })
  expect(v).toMatchObject({ effective: 'deny', qty: 0, reason_code: 'LLM_UNGROUNDED', fail_reason: 'llm_denied' })
  expect(v.steps.at(-1)).toMatchObject({ step: 'llm', verdict: 'deny', code: 'LLM_UNGROUNDED', reason: expect.stringContaining('+1.87 % (summary)') })
  expect(gate({ rationaleGrounding: grounded, requireGrounded: true })).toMatchObject({ effective: 'allow', reason_code: 'LLM_ALLOW' })
  expect(gate({ rationaleGrounding: null, requireGrounded: true })).toMatchObject({ effective: 'allow', reason_code: 'LLM_ALLOW' })
})

test('on, shadow: recorded as would_deny, the order still goes', () => {
  expect(gate({ rationaleGrounding: ungrounded, requireGrounded: true, mode: 'shadow' })).toMatchObject({
    effective: 'allow',
    qty: 10,
    would: 'would_deny',
    reason_code: 'SHADOW_WOULD_DENY',
    fail_reason: 'llm_denied',
  })
})

test('on: risk denials, risk-reducing orders and an LLM deny keep their own codes', () => {
  expect(gate({ rationaleGrounding: ungrounded, requireGrounded: true, riskReducing: true })).toMatchObject({ effective: 'reduce_only_allowed' })
  expect(gate({ rationaleGrounding: ungrounded, requireGrounded: true, llm: policyResult({ decision: 'deny' }) })).toMatchObject({ reason_code: 'LLM_DENY' })
})
