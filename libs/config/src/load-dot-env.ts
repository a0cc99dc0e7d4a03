import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import type { Env } from './load-env'

/**
 * Reads a .env file (if it exists) into `env` without overriding what is already set there: the
 * real environment wins. Returns the names it filled in. For CLI entry files and `make run`.
 */
export function loadDotEnv(file: string, env: Env): string[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const filled: string[] = []
  for (const [key, value] of Object.entries(parseEnv(text))) {
    if (env[key] === undefined) {
      env[key] = value
      filled.push(key)
    }
  }
  return filled
}
