import { afterAll, beforeAll, expect, test } from 'vitest'
import { FeaturesLlmSchema, createLlmClient, loadPromptRegistry, type LlmClient, type LlmResult, type PolicyDecision } from '@pulsetrade/llm'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createModelRegistry } from '../src/models/model-registry'
import { buildForecastUnit } from '../src/pipeline/build-inputs'
import { createEnricher } from '../src/pipeline/enrich-forecast'
import { DEFAULT_SIZING } from '../src/pipeline/propose-order'
import { makeBars } from './bars-fixture'

// Issue 19: LLM_POLICY_SAMPLES=k asks the policy k times against lexi-sim; a flipped sample denies.
const PROMPTS = new URL('../../../configs/llm_prompts.yaml', import.meta.url).pathname
let sim: LexiSim
let client: LlmClient
const units = Array.from({ length: 24 }, (_, i) =>
  buildForecastUnit('SPX', makeBars(120, 300 + i, { drift: 0.003 }), createModelRegistry().ewma, 1, { ...DEFAULT_SIZING, minEdge: 0 }),
)

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 1 })
  client = createLlmClient({ baseURL: `${sim.url}/v1`, model: 'Lexi', timeoutMs: 5_000, maxRetries: 0 })
})
afterAll(async () => {
  await client?.close()
  await sim?.close()
})

/** The real client, with every policy answer it returns kept (to compare the stored combination against). */
function recording(): { client: LlmClient; policies: Array<LlmResult<PolicyDecision>> } {
  const policies: Array<LlmResult<PolicyDecision>> = []
  const wrapped = Object.create(client) as LlmClient
  wrapped.structured = (async (p, s, o) => {
    const r = await client.structured(p, s, o)
    if (p.prompt === 'policy') policies.push(r as LlmResult<PolicyDecision>)
    return r
  }) as LlmClient['structured']
  return { client: wrapped, policies }
}

const enricher = (c: LlmClient, k?: number) =>
  createEnricher({
    client: c,
    registry: loadPromptRegistry(PROMPTS),
    model: 'Lexi',
    mode: 'enforce',
    gateDisabled: false,
    ...(k === undefined ? {} : { policySamples: k }),
  })

test('k = 3 with a flip rate: stored agreement matches the samples, any deny denies, size_factor is the minimum', async () => {
  await sim.setFaults({ policy_flip: 0.3 })
  let split = 0
  for (const u of units) {
    const rec = recording()
    const f = FeaturesLlmSchema.parse(await enricher(rec.client, 3)(u.inputs))
    const asked = rec.policies.map((r) => r.parsed?.decision ?? null)
    expect(rec.policies).toHaveLength(3)
    expect(f.policy.samples?.decisions).toEqual(asked)
    const combined = asked.includes('deny') ? 'deny' : 'allow'
    expect(f.policy.parsed?.decision).toBe(combined)
    expect(f.policy.samples?.agreement).toBeCloseTo(asked.filter((d) => d === combined).length / 3, 12)
    expect(f.policy.parsed?.size_factor).toBe(Math.min(...rec.policies.map((r) => r.parsed?.size_factor ?? 1)))
    expect(f.policy.usage.completion_tokens).toBe(rec.policies.reduce((s, r) => s + r.usage.completion_tokens, 0))
    if (new Set(asked).size > 1) split++
  }
  // Flips at 0.3 over 24 × 3 samples split well over a few forecasts; without the fault none splits.
  expect(split).toBeGreaterThan(3)
  expect((await sim.stats()).faults.policy_flip).toBeGreaterThan(10)
  await sim.setFaults({ policy_flip: 0 })
  for (const u of units.slice(0, 8)) {
    const f = await enricher(client, 3)(u.inputs)
    expect(f.policy.samples?.agreement).toBe(1)
  }
})

test('k = 1 (the default) is one policy call, stored as before without samples', async () => {
  await sim.setFaults({ policy_flip: 1 })
  for (const u of units.slice(0, 4)) {
    const rec = recording()
    const f = await enricher(rec.client)(u.inputs)
    expect(rec.policies).toHaveLength(1)
    expect(f.policy).not.toHaveProperty('samples')
    expect(f.policy.parsed).toEqual(rec.policies[0]?.parsed)
    const one = await enricher(client, 1)(u.inputs)
    expect(one.policy.parsed).toEqual(f.policy.parsed)
  }
  await sim.setFaults({ policy_flip: 0 })
})
