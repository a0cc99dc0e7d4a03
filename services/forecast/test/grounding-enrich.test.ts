import { afterAll, beforeAll, expect, test } from 'vitest'
import { FeaturesLlmSchema, createLlmClient, loadPromptRegistry, type LlmClient } from '@pulsetrade/llm'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createModelRegistry } from '../src/models/model-registry'
import { buildForecastUnit } from '../src/pipeline/build-inputs'
import { createEnricher } from '../src/pipeline/enrich-forecast'
import { DEFAULT_SIZING } from '../src/pipeline/propose-order'
import { makeBars } from './bars-fixture'

// Issue 19: the enricher stores features.llm.rationale.grounding; an ungrounded rationale is kept and flagged.
const PROMPTS = new URL('../../../configs/llm_prompts.yaml', import.meta.url).pathname
let sim: LexiSim
let client: LlmClient

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 1 })
  client = createLlmClient({ baseURL: `${sim.url}/v1`, model: 'Lexi', timeoutMs: 5_000, maxRetries: 0 })
})
afterAll(async () => {
  await client?.close()
  await sim?.close()
})

test('grounded answers are marked grounded; a wrong number is kept, flagged and named', async () => {
  const enrich = createEnricher({ client, registry: loadPromptRegistry(PROMPTS), model: 'Lexi', mode: 'enforce', gateDisabled: false })
  const units = Array.from({ length: 10 }, (_, i) =>
    buildForecastUnit('SPX', makeBars(120, 100 + i, { drift: 0.003 }), createModelRegistry().ewma, 1, { ...DEFAULT_SIZING, minEdge: 0 }),
  )
  for (const u of units) {
    const f = await enrich(u.inputs)
    expect(FeaturesLlmSchema.parse(f).rationale.grounding).toMatchObject({ unmatched: [] })
    expect(f.rationale.grounding?.cited).toBeGreaterThan(5)
  }
  await sim.setFaults({ wrong_number: 1 })
  const f = await enrich({ ...(units[0] as (typeof units)[number]).inputs, asof: '2030-01-02T00:00:00Z' })
  expect(f.rationale.ok).toBe(true)
  expect(FeaturesLlmSchema.parse(f).rationale.grounding?.unmatched).toEqual([{ text: expect.stringMatching(/^[+-]\d+\.\d\d %$/), where: 'summary' }])
  expect(f.rationale.parsed?.summary).toContain(f.rationale.grounding?.unmatched[0]?.text)
})
