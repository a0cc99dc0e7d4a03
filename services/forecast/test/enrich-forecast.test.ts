import { describe, expect, test } from 'vitest'
import { FeaturesLlmSchema } from '@pulsetrade/llm'
import { createModelRegistry } from '../src/models/model-registry'
import { buildForecastUnit } from '../src/pipeline/build-inputs'
import { createEnricher } from '../src/pipeline/enrich-forecast'
import { DEFAULT_SIZING } from '../src/pipeline/propose-order'
import { makeBars } from './bars-fixture'
import { ANSWERS, fakeLlm, fakeRegistry } from './fake-llm'

const unit = buildForecastUnit('SPX', makeBars(120, 6, { drift: 0.004 }), createModelRegistry().ewma, 1, { ...DEFAULT_SIZING, minEdge: 0 })
const opts = { registry: fakeRegistry(), model: 'Lexi', mode: 'enforce' as const, gateDisabled: false }

describe('createEnricher', () => {
  test('stores both answers within the contract; the policy of a proposed order is pending (placement gates it)', async () => {
    expect(unit.inputs.order).not.toBeNull()
    const f = await createEnricher({ ...opts, client: fakeLlm() })(unit.inputs)
    expect(FeaturesLlmSchema.safeParse(f).success).toBe(true)
    expect(f.inputs).toEqual(unit.inputs)
    expect(f.rationale.parsed).toEqual(ANSWERS.rationale)
    expect(f.policy).toMatchObject({ parsed: ANSWERS.policy, mode: 'enforce', gate_disabled: false, effective: 'pending', would: null, fail_reason: null })
  })

  test('a forecast without a proposed order records no_order, never deny: its size_factor below 1 or a deny gated nothing', async () => {
    const none = { ...unit.inputs, order: null }
    const f = await createEnricher({ ...opts, client: fakeLlm() })(none)
    expect(ANSWERS.policy.size_factor).toBeLessThan(1)
    expect(f.policy).toMatchObject({ parsed: ANSWERS.policy, effective: 'no_order', would: null, fail_reason: null })
    const denied = await createEnricher({ ...opts, client: fakeLlm({ policy: { decision: 'deny', size_factor: 1, reason: 'no', risk_flags: [] } }) })(none)
    expect(denied.policy).toMatchObject({ effective: 'no_order', fail_reason: null })
    const failed = await createEnricher({ ...opts, mode: 'shadow', client: fakeLlm({ failCode: 'LLM_ERR_TIMEOUT' }) })(none)
    expect(failed.policy).toMatchObject({ effective: 'no_order', would: null, fail_reason: 'timeout' })
  })

  test('an LLM failure is recorded, never thrown: the policy is pending with its fail_reason', async () => {
    const f = await createEnricher({ ...opts, client: fakeLlm({ failCode: 'LLM_ERR_TIMEOUT' }) })(unit.inputs)
    expect(f.rationale).toMatchObject({ ok: false, error: { code: 'LLM_ERR_TIMEOUT' } })
    expect(f.policy).toMatchObject({ ok: false, effective: 'pending', fail_reason: 'timeout' })
  })

  test('when the breaker answered, the diagnosis names why Lexi fails; error.code stays LLM_ERR_CIRCUIT_OPEN', async () => {
    const f = await createEnricher({ ...opts, client: fakeLlm({ failCode: 'LLM_ERR_CIRCUIT_OPEN' }), diagnose: async () => 'unreachable' })(unit.inputs)
    expect(f.policy).toMatchObject({ effective: 'pending', fail_reason: 'unreachable', error: { code: 'LLM_ERR_CIRCUIT_OPEN' } })
    const back = await createEnricher({ ...opts, client: fakeLlm({ failCode: 'LLM_ERR_CIRCUIT_OPEN' }), diagnose: async () => 'circuit_open' })(unit.inputs)
    expect(back.policy.fail_reason).toBe('circuit_open')
  })

  test("a circuit opened by timeouts is recorded as timeout from the error's cause field, whatever its message says, without a diagnosis", async () => {
    let diagnosed = 0
    const diagnose = async () => {
      diagnosed++
      return 'unreachable' as const
    }
    for (const failMessage of ['circuit open for lexi:8008/v1 after 5 consecutive timeouts', 'the breaker tripped on lexi (5 time-outs)', '']) {
      const f = await createEnricher({ ...opts, client: fakeLlm({ failCode: 'LLM_ERR_CIRCUIT_OPEN', failCause: 'LLM_ERR_TIMEOUT', failMessage }), diagnose })(
        unit.inputs,
      )
      expect(FeaturesLlmSchema.safeParse(f).success).toBe(true)
      expect(f.policy).toMatchObject({ fail_reason: 'timeout', error: { code: 'LLM_ERR_CIRCUIT_OPEN', cause: 'LLM_ERR_TIMEOUT' } })
      expect(f.rationale.error).toMatchObject({ code: 'LLM_ERR_CIRCUIT_OPEN', cause: 'LLM_ERR_TIMEOUT' })
    }
    expect(diagnosed).toBe(0)
  })

  test("shadow mode is recorded; what it would have done is the gate's to say, at placement", async () => {
    const f = await createEnricher({ ...opts, mode: 'shadow', client: fakeLlm({ failCode: 'LLM_ERR_UNREACHABLE' }) })(unit.inputs)
    expect(f.policy).toMatchObject({ mode: 'shadow', effective: 'pending', would: null, fail_reason: 'unreachable' })
  })
})
