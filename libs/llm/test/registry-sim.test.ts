import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { countChatTokens, startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, loadPromptRegistry, PolicyDecisionSchema, RationaleSchema, SummarySchema, type LlmClientInstance } from '@pulsetrade/llm'
import { PROMPTS_YAML } from './registry-test-kit'
import samplesJson from '../../../configs/llm_prompts.samples.json' with { type: 'json' }

/**
 * The registry's prompts end to end through the real client against lexi-sim: the health phrase
 * gets OK, JSON prompts come back schema-valid, and prompt/version/hash/arm/bucket reach LlmResult.
 */

const samples = samplesJson as Record<string, Record<string, unknown>>
const reg = loadPromptRegistry(PROMPTS_YAML, { abBuckets: 'rationale:1.0.0=90,1.1.0=10' })
let sim: LexiSim
let client: LlmClientInstance

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 5 })
  client = createLlmClient({ baseURL: `${sim.url}/v1`, timeoutMs: 10_000, maxRetries: 0 })
})
afterAll(async () => {
  await client?.close()
  await sim?.close()
})

describe('registry prompts against lexi-sim', () => {
  test('the health prompt is answered with exactly OK', async () => {
    const r = await client.health(reg.render('health', {}), { timeoutMs: 10_000 })
    expect(r).toMatchObject({ ok: true, reply: 'OK', error: null })
  })

  test.each([
    ['rationale', RationaleSchema],
    ['policy', PolicyDecisionSchema],
    ['summary', SummarySchema],
  ] as const)('%s answers schema-valid JSON and the result names the exact prompt', async (name, schema) => {
    const vars = samples[name] ?? {}
    const prompt = reg.render(name, vars, name === 'summary' ? { unitKey: 'dashboard' } : {})
    const r = await client.structured(prompt, schema, { timeoutMs: 10_000 })
    expect(r.error).toBeNull()
    expect(r).toMatchObject({ ok: true, valid_json: true, prompt: name, version: prompt.version, hash: prompt.hash, arm: prompt.arm, bucket: prompt.bucket })
    expect(schema.safeParse(r.parsed).success).toBe(true)
    expect(r.usage.prompt_tokens + prompt.sampling.max_tokens).toBeLessThanOrEqual(4096)
  })

  test('the A/B arm of a split prompt reaches LlmResult', async () => {
    const prompt = reg.render('rationale', samples.rationale ?? {})
    expect(prompt.arm).not.toBeNull()
    const r = await client.structured(prompt, RationaleSchema, { timeoutMs: 10_000 })
    expect([r.arm, r.bucket]).toEqual([prompt.arm, prompt.bucket])
  })

  test("every version with its samples fits the simulator's Qwen-like token count with max_tokens", () => {
    for (const name of reg.names()) {
      for (const v of reg.versions(name)) {
        const r = reg.render(name, samples[name] ?? {}, { version: v.version })
        expect(countChatTokens(r.messages) + v.sampling.max_tokens).toBeLessThanOrEqual(4096)
      }
    }
  })
})
