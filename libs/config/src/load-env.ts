import { z } from 'zod'
import { ConfigError, type ConfigIssue } from './config-error'
import { maskUrlCredentials } from './redact'

export type Env = Record<string, string | undefined>

const SECRET_NAME = /(TOKEN|TOKENS|KEY|SECRET|PASSWORD)$/

/**
 * The value as it may appear in an error message: secrets masked, URL credentials hidden whether
 * or not the URL parses (a bad port must not print the password).
 */
function shown(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (SECRET_NAME.test(name)) return `<${value.length} characters, hidden>`
  return maskUrlCredentials(value)
}

/**
 * Parses env with a zod object schema (built from envField and the shared fragments). Empty values
 * count as unset, so `KEY=` lines copied from .env.example fall back to defaults. Throws a
 * ConfigError whose message is one line naming every bad variable.
 */
export function loadEnv<S extends z.ZodObject>(schema: S, env: Env): z.output<S>
/** Same, from a plain shape: `loadEnv({ ...commonEnv.db, ...commonEnv.log }, process.env)`. */
export function loadEnv<T extends z.ZodRawShape>(shape: T, env: Env): z.output<z.ZodObject<T>>
export function loadEnv(schemaOrShape: z.ZodObject | z.ZodRawShape, env: Env): unknown {
  const schema = schemaOrShape instanceof z.ZodObject ? schemaOrShape : z.object(schemaOrShape)
  const input: Env = {}
  for (const key of Object.keys(schema.shape)) {
    const v = env[key]
    if (v !== undefined && v.trim() !== '') input[key] = v
  }
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(env)')
    return { name, received: shown(name, input[name]), expected: issue.message }
  })
  throw new ConfigError(issues)
}
