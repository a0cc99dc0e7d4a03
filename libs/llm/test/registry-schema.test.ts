import { Ajv2020 } from 'ajv/dist/2020.js'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { z } from 'zod'
import { loadPromptRegistry, PolicyDecisionSchema, PROMPT_CONTRACTS, RationaleSchema, SummarySchema } from '@pulsetrade/llm'
import { answerSchemaProblems, contractJsonSchema } from '../src/registry/answer-schema-check'
import { PROMPTS_YAML } from './registry-test-kit'

/**
 * The YAML json_schema of each JSON prompt accepts exactly what the features.llm zod schema
 * accepts, with one documented difference: an unknown key. zod's z.object() strips it (and
 * accepts), the JSON schema has additionalProperties:false (and rejects), so guided decoding never
 * produces one. On answers without unknown keys the two agree exactly.
 */

const reg = loadPromptRegistry(PROMPTS_YAML)
const ajv = new Ajv2020({ strict: true })
const jsonPrompts = [
  ['rationale', RationaleSchema],
  ['policy', PolicyDecisionSchema],
  ['summary', SummarySchema],
] as const
const versionsOf = (name: string) => reg.versions(name).map((v) => [name, v.version, v.jsonSchema] as const)

describe('json_schema equals the contract', () => {
  test.each(jsonPrompts.flatMap(([name]) => versionsOf(name)))('%s@%s equals z.toJSONSchema of its zod schema (without $schema)', (name, _v, schema) => {
    expect(schema).toEqual(contractJsonSchema(PROMPT_CONTRACTS[name]?.answer as z.ZodType))
    expect(answerSchemaProblems(schema ?? {}, PROMPT_CONTRACTS[name]?.answer ?? null)).toEqual([])
  })

  test('a drifted schema is reported with the path that differs', () => {
    const schema = structuredClone(reg.active('rationale').jsonSchema) as { properties: { summary: { maxLength: number } } }
    schema.properties.summary.maxLength = 601
    expect(answerSchemaProblems(schema, RationaleSchema)).toEqual([
      'differs from the features.llm contract (z.toJSONSchema of the zod schema) at "properties.summary.maxLength"',
    ])
  })

  test('a misspelt keyword is rejected by strict Ajv (and differs from the contract)', () => {
    const schema = structuredClone(reg.active('policy').jsonSchema) as { properties: { reason: Record<string, unknown> } }
    schema.properties.reason = { type: 'string', minLength: 1, maxLenght: 400 }
    const problems = answerSchemaProblems(schema, PolicyDecisionSchema)
    expect(problems[0]).toMatch(/^is not a valid JSON schema: strict mode: unknown keyword: "maxLenght"/)
    expect(problems[1]).toContain('at "properties.reason.maxLenght"')
  })
})

const s = (n: number): string => 'a'.repeat(n)
const answers: Record<string, Array<[label: string, answer: unknown, valid: boolean]>> = {
  rationale: [
    ['typical', { summary: 'Up bias.', drivers: ['5-bar return +1.95 %'], risks: ['RSI 70.4'], confidence: 0.62 }, true],
    ['limits', { summary: s(600), drivers: Array(5).fill(s(200)), risks: Array(5).fill(s(200)), confidence: 1 }, true],
    ['confidence 0', { summary: 'x', drivers: ['d'], risks: ['r'], confidence: 0 }, true],
    ['summary too long', { summary: s(601), drivers: ['d'], risks: ['r'], confidence: 0.5 }, false],
    ['600 emoji (lengths count code points on both sides)', { summary: '😀'.repeat(600), drivers: ['d'], risks: ['r'], confidence: 0.5 }, true],
    ['601 emoji', { summary: '😀'.repeat(601), drivers: ['d'], risks: ['r'], confidence: 0.5 }, false],
    ['empty summary', { summary: '', drivers: ['d'], risks: ['r'], confidence: 0.5 }, false],
    ['no drivers', { summary: 'x', drivers: [], risks: ['r'], confidence: 0.5 }, false],
    ['six risks', { summary: 'x', drivers: ['d'], risks: Array(6).fill('r'), confidence: 0.5 }, false],
    ['confidence above 1', { summary: 'x', drivers: ['d'], risks: ['r'], confidence: 1.01 }, false],
    ['confidence as text', { summary: 'x', drivers: ['d'], risks: ['r'], confidence: '0.5' }, false],

    ['missing key', { summary: 'x', drivers: ['d'], risks: ['r'] }, false],
  ],
  policy: [
    ['allow', { decision: 'allow', size_factor: 1, reason: 'No rule triggered; p_up 0.53.', risk_flags: [] }, true],
    ['deny', { decision: 'deny', size_factor: 1, reason: 'D2', risk_flags: ['direction_conflict'] }, true],
    ['tiny size', { decision: 'allow', size_factor: 0.01, reason: 'C1', risk_flags: Array(8).fill(s(64)) }, true],
    ['size 0', { decision: 'allow', size_factor: 0, reason: 'x', risk_flags: [] }, false],
    ['size above 1', { decision: 'allow', size_factor: 1.5, reason: 'x', risk_flags: [] }, false],
    ['unknown decision', { decision: 'maybe', size_factor: 1, reason: 'x', risk_flags: [] }, false],
    ['nine flags', { decision: 'deny', size_factor: 1, reason: 'x', risk_flags: Array(9).fill('f') }, false],
    ['flag too long', { decision: 'deny', size_factor: 1, reason: 'x', risk_flags: [s(65)] }, false],
    ['reason too long', { decision: 'deny', size_factor: 1, reason: s(401), risk_flags: [] }, false],
  ],
  summary: [
    ['typical', { summary: '12 of 15 forecasts point up.', highlights: ['SPX 2020-02-21: deny'] }, true],
    ['no highlights', { summary: 'Quiet.', highlights: [] }, true],
    ['six highlights', { summary: 'x', highlights: Array(6).fill('h') }, false],
    ['summary too long', { summary: s(1201), highlights: [] }, false],
    ['highlights missing', { summary: 'x' }, false],
    ['not an object', ['x'], false],
  ],
}

describe('the YAML schema and the zod schema agree on sample answers', () => {
  const rows = jsonPrompts.flatMap(([name, zod]) => (answers[name] ?? []).map(([label, a, valid]) => [name, label, a, valid, zod] as const))
  test.each(rows)('%s: %s', (name, _label, answer, valid, zod) => {
    const validate = ajv.compile(reg.active(name).jsonSchema ?? {})
    expect(validate(answer)).toBe(valid)
    expect(zod.safeParse(answer).success).toBe(valid)
  })
})

test('an unknown key: zod strips it, the JSON schema forbids it, the parsed answer passes both', () => {
  const answer = { summary: 'x', drivers: ['d'], risks: ['r'], confidence: 0.5, note: 'n' }
  const validate = ajv.compile(reg.active('rationale').jsonSchema ?? {})
  expect(validate(answer)).toBe(false)
  const parsed = RationaleSchema.parse(answer)
  expect(parsed).not.toHaveProperty('note')
  expect(validate(parsed)).toBe(true)
})

describe('and on generated answers (fast-check)', () => {
  const text = (max: number) => fc.oneof(fc.string({ maxLength: max + 5 }), fc.integer(), fc.constant(null))
  const list = (maxItems: number, maxLen: number) => fc.oneof(fc.array(fc.string({ maxLength: maxLen + 3 }), { maxLength: maxItems + 2 }), fc.string())
  const num = fc.oneof(fc.double({ min: -0.5, max: 1.5, noNaN: true }), fc.constantFrom(0, 1, 1.0000001), fc.string())
  const arbitraries = {
    rationale: fc.record({ summary: text(600), drivers: list(5, 200), risks: list(5, 200), confidence: num, extra: fc.string() }, { requiredKeys: [] }),
    policy: fc.record(
      { decision: fc.constantFrom('allow', 'deny', 'Allow', ''), size_factor: num, reason: text(400), risk_flags: list(8, 64), extra: fc.string() },
      { requiredKeys: [] },
    ),
    summary: fc.record({ summary: text(1200), highlights: list(5, 200), extra: fc.string() }, { requiredKeys: [] }),
  }
  test.each(jsonPrompts)('%s: Ajv on the YAML schema and zod give the same verdict', (name, zod) => {
    const validate = ajv.compile(reg.active(name).jsonSchema ?? {})
    let accepted = 0
    fc.assert(
      fc.property(arbitraries[name], (answer) => {
        const parsed = zod.safeParse(answer)
        const hasExtra = Object.hasOwn(answer, 'extra')
        if (parsed.success) accepted++
        if (validate(answer)) expect(parsed.success).toBe(true)
        if (parsed.success) expect(validate(parsed.data)).toBe(true)
        if (!hasExtra) expect(validate(answer)).toBe(parsed.success)
      }),
      { numRuns: 2000, seed: 20_260_101 },
    )
    expect(accepted).toBeGreaterThan(0)
  })
})
