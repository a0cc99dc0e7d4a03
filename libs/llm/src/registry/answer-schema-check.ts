import { Ajv2020 } from 'ajv/dist/2020.js'
import { z } from 'zod'
import { canonicalJson } from './canonical-json'

/**
 * The YAML `json_schema` of a version must mean what the contract's zod schema means. The rule is
 * literal: it must equal z.toJSONSchema(zodSchema) without its "$schema" key (compared as RFC 8785
 * canonical JSON, so key order and YAML style do not matter). It must also compile under Ajv's
 * strict draft 2020-12 mode, which rejects unknown keywords and typos.
 */
export function contractJsonSchema(answer: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(answer) as Record<string, unknown>
  return rest
}

/** The first path (dotted) at which two JSON values differ, or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (a === undefined || b === undefined) return a === b ? null : path === '' ? '(root)' : path
  if (canonicalJson(a) === canonicalJson(b)) return null
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object'
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) return path === '' ? '(root)' : path
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const d = firstDifference(a[k], b[k], path === '' ? k : `${path}.${k}`)
    if (d !== null) return d
  }
  return path === '' ? '(root)' : path
}

/** Problems with one answer schema, as one-line reasons ([] when fine). */
export function answerSchemaProblems(jsonSchema: Record<string, unknown>, answer: z.ZodType | null): string[] {
  const problems: string[] = []
  try {
    new Ajv2020({ strict: true, allErrors: true }).compile(jsonSchema)
  } catch (err) {
    problems.push(`is not a valid JSON schema: ${(err as Error).message}`)
  }
  if (answer !== null) {
    const diff = firstDifference(jsonSchema, contractJsonSchema(answer))
    if (diff !== null) problems.push(`differs from the features.llm contract (z.toJSONSchema of the zod schema) at "${diff}"`)
  }
  return problems
}
