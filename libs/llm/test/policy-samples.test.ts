import { describe, expect, test } from 'vitest'
import { PolicyRecordSchema } from '../src/contract'
import { combinePolicySamples, samplePolicy } from '../src/policy/sample-policy'
import { ungatedPolicyRecord } from '../src/gate/to-policy-record'
import { failedResult, policyResult } from './gate-fixtures'

// Issue 19: LLM_POLICY_SAMPLES=k combines k policy answers conservatively.
describe('combinePolicySamples', () => {
  test('any deny denies; the deny sample is carried, with the smallest size_factor and summed tokens', () => {
    const c = combinePolicySamples([
      policyResult({ decision: 'allow', size_factor: 0.8 }),
      policyResult({ decision: 'deny', size_factor: 0.9, reason: 'too volatile' }, { latency_ms: 300 }),
      policyResult({ decision: 'allow', size_factor: 0.4 }),
    ])
    expect(c.parsed).toMatchObject({ decision: 'deny', size_factor: 0.4, reason: 'too volatile' })
    expect(c.samples).toEqual({ k: 3, agreement: 1 / 3, decisions: ['allow', 'deny', 'allow'], prompt_tokens: 900, completion_tokens: 120 })
    expect(c.usage).toEqual({ prompt_tokens: 900, completion_tokens: 120 })
    expect(c.latency_ms).toBe(300)
  })

  test('unanimous allow keeps allow with the minimum size_factor and agreement 1', () => {
    const c = combinePolicySamples([policyResult({ size_factor: 1 }), policyResult({ size_factor: 0.5, reason: 'half' })])
    expect(c.parsed).toMatchObject({ decision: 'allow', size_factor: 0.5, reason: 'half' })
    expect(c.samples?.agreement).toBe(1)
  })

  test('a failed sample never allows: it is a null decision and lowers the agreement; all failed → the first failure', () => {
    const c = combinePolicySamples([failedResult('LLM_ERR_TIMEOUT'), policyResult({ size_factor: 0.7 }), policyResult({ size_factor: 0.9 })])
    expect(c.parsed).toMatchObject({ decision: 'allow', size_factor: 0.7 })
    expect(c.samples).toMatchObject({ decisions: [null, 'allow', 'allow'], agreement: 2 / 3 })
    const none = combinePolicySamples([failedResult('LLM_ERR_TIMEOUT'), failedResult('LLM_ERR_UNREACHABLE')])
    expect(none).toMatchObject({ ok: false, parsed: null, error: { code: 'LLM_ERR_TIMEOUT' }, samples: { k: 2, agreement: 0, decisions: [null, null] } })
    expect(ungatedPolicyRecord(none, { effective: 'pending', mode: 'enforce', gateDisabled: false }).fail_reason).toBe('timeout')
  })

  test('the combined record is within the contract (samples included)', () => {
    const c = combinePolicySamples([policyResult({ decision: 'deny' }), policyResult({})])
    const record = ungatedPolicyRecord(c, { effective: 'pending', mode: 'enforce', gateDisabled: false })
    expect(PolicyRecordSchema.parse(record).samples).toMatchObject({ k: 2, decisions: ['deny', 'allow'] })
  })
})

describe('samplePolicy', () => {
  test("k = 1 is one call with the version's own seed, returned untouched", async () => {
    const seeds: Array<number | undefined> = []
    const only = policyResult({ size_factor: 0.6 })
    const r = await samplePolicy(1, undefined, async (s) => {
      seeds.push(s)
      return only
    })
    expect(seeds).toEqual([undefined])
    expect(r).toBe(only)
    expect('samples' in r).toBe(false)
  })

  test('k = 3 asks seeds base..base+2 concurrently; bad k is refused', async () => {
    const seeds: Array<number | undefined> = []
    const r = await samplePolicy(3, 10, async (s) => {
      seeds.push(s)
      return policyResult({ decision: s === 11 ? 'deny' : 'allow' })
    })
    expect(seeds).toEqual([10, 11, 12])
    expect(r.parsed?.decision).toBe('deny')
    expect(r.samples?.decisions).toEqual(['allow', 'deny', 'allow'])
    await expect(samplePolicy(0, 0, async () => policyResult({}))).rejects.toThrow(/LLM_POLICY_SAMPLES/)
  })
})
