import { LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { PromptConfigError, type PromptPlace } from './errors'
import { PromptFileSchema, type PromptFile } from './prompt-file-schema'
import { validatePromptFile } from './validate-prompt-file'
import { yamlLineOf } from './yaml-locate'

export type PathSegment = string | number

/** A parsed, schema-checked prompt file that can still say where each value came from. */
export interface ParsedPromptFile {
  file: string
  data: PromptFile
  /** file, line, prompt, version and field of a path inside the document. */
  placeOf: (path: ReadonlyArray<PathSegment>) => PromptPlace
}

const valueAt = (root: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let v = root
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<PropertyKey, unknown>)[seg]
  }
  return v
}

const fieldName = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`)).join('')

function placer(file: string, root: unknown, lineOf: (p: ReadonlyArray<PropertyKey>) => number | undefined) {
  return (path: ReadonlyArray<PropertyKey>): PromptPlace => {
    const line = lineOf(path)
    if (path[0] !== 'prompts' || path.length < 2) return { file, line, field: fieldName(path) }
    const prompt = String(path[1])
    if (path[2] !== 'versions' || typeof path[3] !== 'number') return { file, line, prompt, field: fieldName(path.slice(2)) }
    const label = valueAt(root, [...path.slice(0, 4), 'version'])
    const version = typeof label === 'string' || typeof label === 'number' ? String(label) : `#${path[3] + 1}`
    return { file, line, prompt, version, field: fieldName(path.slice(4)) }
  }
}

function zodIssueError(issue: z.core.$ZodIssue, root: unknown, placeOf: (p: ReadonlyArray<PropertyKey>) => PromptPlace): PromptConfigError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    return new PromptConfigError(placeOf([...issue.path, key]), 'unknown field')
  }
  const missing = issue.path.length > 0 && valueAt(root, issue.path) === undefined
  return new PromptConfigError(placeOf(issue.path), missing ? `is missing: ${issue.message}` : issue.message)
}

/**
 * Parses YAML text and checks it against PromptFileSchema and the registry rules. Throws a
 * PromptConfigError whose one-line message names file:line, prompt, version and field.
 */
export function parsePromptFile(source: string, file: string): ParsedPromptFile {
  const lc = new LineCounter()
  const doc = parseDocument(source, { lineCounter: lc, prettyErrors: false, uniqueKeys: true })
  const yamlError = doc.errors[0]
  if (yamlError !== undefined) {
    const first = yamlError.message.split('\n')[0] ?? yamlError.code
    throw new PromptConfigError({ file, line: lc.linePos(yamlError.pos[0]).line }, `invalid YAML (${yamlError.code}): ${first}`)
  }
  let root: unknown
  try {
    root = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    throw new PromptConfigError({ file }, `invalid YAML: ${(err as Error).message}`, { cause: err })
  }
  const placeOf = placer(file, root, (p) => yamlLineOf(doc, lc, p))
  const parsed = PromptFileSchema.safeParse(root)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    if (issue !== undefined) throw zodIssueError(issue, root, placeOf)
  }
  const data = parsed.data as PromptFile
  validatePromptFile(data, placeOf)
  return { file, data, placeOf }
}
