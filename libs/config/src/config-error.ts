export interface ConfigIssue {
  /** Environment variable name. */
  name: string
  /** What was received, already masked for secrets; undefined when unset. */
  received: string | undefined
  /** The form expected, e.g. "expected an integer from 1 to 1024". */
  expected: string
}

/**
 * A bad environment. `message` is one line naming each variable, the value received and the form
 * expected: `LLM_CONCURRENCY="abc": expected an integer from 1 to 1024`.
 */
export class ConfigError extends Error {
  code = 'CONFIG_ERR_INVALID'
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('; '))
    this.name = 'ConfigError'
  }
}

function formatIssue(i: ConfigIssue): string {
  const got = i.received === undefined ? ' (unset)' : `=${JSON.stringify(i.received)}`
  return `${i.name}${got}: ${i.expected}`
}
