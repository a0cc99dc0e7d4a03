import { expect, test } from 'vitest'
import { z } from 'zod'
import { corruptJson, jsonAnswer } from '../src/json-answer'

/** Shapes like libs/llm's contract, plus every constraint keyword json-schema-faker must respect. */
const schemas = {
  policy: z.object({
    decision: z.enum(['allow', 'deny']),
    size_factor: z.number().gt(0).max(1),
    reason: z.string().min(1).max(400),
    risk_flags: z.array(z.string().min(1).max(64)).max(8),
  }),
  rationale: z.object({
    summary: z.string().min(1).max(600),
    drivers: z.array(z.string().min(1).max(200)).min(1).max(5),
    risks: z.array(z.string().min(1).max(200)).min(1).max(5),
    confidence: z.number().min(0).max(1),
  }),
  constraints: z.object({
    level: z.enum(['low', 'mid', 'high']),
    count: z.number().int().min(3).max(7),
    tags: z.array(z.string().min(5).max(9)).min(2).max(3),
    code: z.string().min(50).max(60),
    note: z.string().optional(),
    nested: z.object({ ok: z.boolean(), score: z.number().min(-1).max(1) }),
  }),
}

test('answers validate against the zod schema they came from, for 300 seeds each', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    const js = z.toJSONSchema(schema) as Record<string, unknown>
    for (let seed = 1; seed <= 300; seed++) {
      const r = schema.safeParse(JSON.parse(jsonAnswer(js, seed).text))
      if (!r.success) throw new Error(`${name} seed ${seed}: ${r.error.message}`)
    }
  }
})

test('answers are deterministic per (schema, seed), vary with the seed, and share a schema key', () => {
  const js = z.toJSONSchema(schemas.policy) as Record<string, unknown>
  expect(jsonAnswer(js, 9).text).toBe(jsonAnswer(js, 9).text)
  expect(jsonAnswer(js, 9).text).not.toBe(jsonAnswer(js, 10).text)
  expect(jsonAnswer(js, 9).schemaKey).toBe(jsonAnswer(js, 10).schemaKey)
})

test('strings read as prose rather than random characters', () => {
  const reason = JSON.parse(jsonAnswer(z.toJSONSchema(schemas.policy) as Record<string, unknown>, 3).text).reason as string
  expect(reason).toMatch(/^[A-Z][a-z]+( [a-z.]+)*/)
})

test('corrupted answers never parse', () => {
  const js = z.toJSONSchema(schemas.policy) as Record<string, unknown>
  for (let seed = 1; seed <= 50; seed++) expect(() => JSON.parse(corruptJson(jsonAnswer(js, seed).text, seed))).toThrow()
  expect(() => JSON.parse(corruptJson('{}', 1))).toThrow()
})
