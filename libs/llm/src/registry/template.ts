import { IDENTIFIER } from './prompt-file-schema'
import { renderDataValue } from './render-value'

/**
 * `{{name}}` substitution and nothing else: no logic, no filters, no partials. Whitespace inside
 * the braces is allowed (`{{ name }}`). Values are rendered by renderDataValue (canonical JSON).
 */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g

export interface TemplateScan {
  /** Variable names in order of first use. */
  variables: string[]
  /** What is wrong with the template text itself (malformed placeholders). */
  problems: string[]
}

export function scanTemplate(template: string): TemplateScan {
  const variables: string[] = []
  const problems: string[] = []
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? ''
    if (!IDENTIFIER.test(name)) problems.push(`placeholder "${m[0]}" is not {{lower_snake_case_name}}`)
    else if (!variables.includes(name)) variables.push(name)
  }
  if (template.replace(PLACEHOLDER, '').includes('{{')) problems.push('has an unclosed "{{"')
  return { variables, problems }
}

/**
 * Fills the placeholders in one pass (a value that itself contains `{{x}}` is not expanded).
 * `onMissing` is called for a variable that is absent or undefined; it must throw.
 */
export function fillTemplate(template: string, vars: Readonly<Record<string, unknown>>, onMissing: (name: string) => never): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    if (!Object.hasOwn(vars, name) || vars[name] === undefined) return onMissing(name)
    return renderDataValue(vars[name])
  })
}
