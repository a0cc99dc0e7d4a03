import type { FastifySchemaCompiler, FastifySerializerCompiler, FastifyTypeProvider } from 'fastify'
import type { z } from 'zod'
import { ValidationError } from './api-error'

/** Route schemas are zod types: handlers get the parsed output, replies are typed by the input. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  readonly validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown
  readonly serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown
}

type Zodish = Pick<z.ZodType, 'safeParse'>
const isZod = (s: unknown): s is Zodish => typeof (s as Zodish | null)?.safeParse === 'function'

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' }
const IDENT = /^[A-Za-z_$][\w$]*$/

/** `body.messages[0].content` from a request part and a zod issue path. */
export function fieldPath(part: string, path: ReadonlyArray<PropertyKey>): string {
  let out = part
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && IDENT.test(key)) out += `.${key}`
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out
}

/** One line per issue, naming the field: `body.messages[0].content: expected string, received number`. */
export function formatIssues(part: string, issues: ReadonlyArray<z.core.$ZodIssue>): string[] {
  const out: string[] = []
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(`${fieldPath(part, [...issue.path, key])}: unknown field`)
      continue
    }
    let msg = issue.message.replace(/^Invalid input: /, '')
    if (issue.code === 'invalid_type' && /, received undefined$/.test(msg)) msg = `required, ${msg.replace(/, received undefined$/, '')}`
    out.push(`${fieldPath(part, issue.path)}: ${msg}`)
  }
  return out
}

/** setValidatorCompiler: zod safeParse; failures become a 400 ValidationError naming each field. */
export const zodValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (!isZod(schema)) return (data: unknown) => ({ value: data })
  const part = PART_NAMES[httpPart ?? 'body'] ?? String(httpPart)
  return (data: unknown) => {
    const res = schema.safeParse(data)
    if (res.success) return { value: res.data }
    return { error: new ValidationError(formatIssues(part, res.error.issues)) }
  }
}

/** A reply that does not match its own response schema: a server bug, masked as 500 and logged. */
export class ResponseSchemaError extends Error {
  code = 'API_ERR_RESPONSE_SCHEMA'
  statusCode = 500
  constructor(message: string) {
    super(message)
    this.name = 'ResponseSchemaError'
  }
}

/**
 * setSerializerCompiler: replies are parsed by their zod schema (fields not in the schema are
 * dropped) and then stringified. Non-zod schemas fall back to JSON.stringify.
 */
export const zodSerializerCompiler: FastifySerializerCompiler<unknown> = ({ schema, url, method }) => {
  if (!isZod(schema)) return (data: unknown) => JSON.stringify(data)
  return (data: unknown) => {
    const res = schema.safeParse(data)
    if (!res.success) throw new ResponseSchemaError(`${method} ${url} reply: ${formatIssues('reply', res.error.issues).join('; ')}`)
    return JSON.stringify(res.data)
  }
}
