import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, test } from 'vitest'
import { AbSpecError, loadPromptRegistry, PromptConfigError, PromptLockError, PromptRegistryError } from '@pulsetrade/llm'
import { copyConfigs, lineOf, PROMPTS_YAML, replaceOnce, runPromptsCli } from './registry-test-kit'

/** Acceptance 3: every malformed file or spec gives ONE line naming the place. */

const ORIGINAL = readFileSync(PROMPTS_YAML, 'utf8')
const copy = copyConfigs()
afterAll(() => copy.remove())

interface YamlCase {
  name: string
  from: string
  to: string
  /** A second edit, when one is not enough. */
  also?: [from: string, to: string]
  /** A unique text in the edited file whose line the error must name. */
  at: string
  /** Everything after `file:line` (a reason without a place starts with ': '). */
  says: string
}

const HEALTH_SAMPLING = '        sampling: { temperature: 0, top_p: 1, max_tokens: 4 }'
const POLICY_SAMPLING = '        sampling: { temperature: 0, top_p: 1, max_tokens: 320 }'

const yamlCases: YamlCase[] = [
  {
    name: 'broken indentation',
    from: `        variables: []\n${HEALTH_SAMPLING}`,
    to: `        variables: []\n ${HEALTH_SAMPLING}`,
    at: ` ${HEALTH_SAMPLING}`,
    says: ': invalid YAML (BAD_INDENT): All mapping items must start at the same column',
  },
  {
    name: 'duplicate key',
    from: '    active: 1.0.0\n    ab_salt: health-ab-1',
    to: '    active: 1.0.0\n    active: 1.0.0\n    ab_salt: health-ab-1',
    at: '    active: 1.0.0\n    ab_salt: health-ab-1',
    says: ': invalid YAML (DUPLICATE_KEY): Map keys must be unique',
  },
  {
    name: 'temperature out of range',
    from: 'temperature: 0.2, top_p: 0.9, max_tokens: 700',
    to: 'temperature: 2.5, top_p: 0.9, max_tokens: 700',
    at: 'temperature: 2.5',
    says: 'prompt "rationale" version "1.1.0" field "sampling.temperature": expected a number from 0 to 2',
  },
  {
    name: 'max_tokens not an integer',
    from: 'max_tokens: 1024',
    to: 'max_tokens: 10.5',
    at: 'max_tokens: 10.5',
    says: 'prompt "chat" version "1.0.0" field "sampling.max_tokens": expected an integer from 1 to 4096',
  },
  {
    name: 'version that is not semver',
    from: '      - version: 1.1.0',
    to: '      - version: 1.1',
    at: '      - version: 1.1\n',
    says: 'prompt "rationale" version "1.1" field "version": expected a semver string like 1.2.0 (quote it in YAML)',
  },
  {
    name: 'misspelt field',
    from: POLICY_SAMPLING,
    to: POLICY_SAMPLING.replace(' }', ', temprature: 0 }'),
    at: 'temprature: 0',
    says: 'prompt "policy" version "1.0.0" field "sampling.temprature": unknown field',
  },
  {
    name: 'missing required field',
    from: '        description: Minimal probe; one greedy token is enough.\n',
    to: '',
    at: `      - version: 1.0.0\n        variables: []\n${HEALTH_SAMPLING}`,
    says: 'prompt "health" version "1.0.0" field "description": is missing: expected a string',
  },
  {
    name: 'template uses an undeclared variable',
    from: '          Write the rationale for this forecast.',
    to: '          Write the rationale for {{ticker}}.',
    at: '        user: |\n          Write the rationale for {{ticker}}.',
    says: 'prompt "rationale" version "1.0.0" field "user": uses {{ticker}}, which is not declared in variables',
  },
  {
    name: 'declared variable never used',
    from: 'not 15).\n        variables: [count, rows]',
    to: 'not 15).\n        variables: [count, rows, now]',
    at: 'variables: [count, rows, now]',
    says: 'prompt "summary" version "1.0.1" field "variables[2]": declares "now" but the user template never uses it',
  },
  {
    name: 'variable no caller passes',
    from: 'not 15).\n        variables: [count, rows]',
    to: 'not 15).\n        variables: [count, rows, symbol]',
    also: [
      '{"count": {{count}}, "rows": {{rows}}}\n          </recent_forecasts>\n\n  health:',
      '{"count": {{count}}, "rows": {{rows}}, "symbol": {{symbol}}}\n          </recent_forecasts>\n\n  health:',
    ],
    at: 'variables: [count, rows, symbol]',
    says: 'prompt "summary" version "1.0.1" field "variables[2]": "symbol" is not passed by the callers of "summary" (they pass: rows, count)',
  },
  {
    name: 'malformed placeholder',
    from: '          Review this proposed order.',
    to: '          Review this {{ proposed order }}.',
    at: '        user: |\n          Review this {{',
    says: 'prompt "policy" version "1.0.0" field "user": placeholder "{{ proposed order }}" is not {{lower_snake_case_name}}',
  },
  {
    name: 'variable in the system prompt',
    from: '          You are Lexi, the assistant',
    to: '          You are Lexi ({{symbol}}), the assistant',
    at: '        system: |\n          You are Lexi',
    says: 'prompt "chat" version "1.0.0" field "system": uses {{symbol}}: the system prompt must be static',
  },
  {
    name: 'active version that does not exist',
    from: '    active: 1.0.0\n    ab_salt: chat-ab-1',
    to: '    active: 1.2.0\n    ab_salt: chat-ab-1',
    at: '    active: 1.2.0',
    says: 'prompt "chat" field "active": "1.2.0" is not one of its versions (1.0.0)',
  },
  {
    name: 'version listed twice',
    from: '      - version: 1.1.0',
    to: '      - version: 1.0.0',
    at: '      - version: 1.0.0\n        description: Evidence checklist',
    says: 'prompt "rationale" version "1.0.0" field "version": is listed twice',
  },
  {
    name: 'health prompt without the probe phrase',
    from: 'user: Reply with exactly OK',
    to: 'user: Reply with OK',
    at: 'user: Reply with OK',
    says: 'prompt "health" version "1.0.0" field "user": must contain the exact phrase "Reply with exactly OK"',
  },
  {
    name: 'policy not deterministic',
    from: POLICY_SAMPLING,
    to: POLICY_SAMPLING.replace('temperature: 0,', 'temperature: 0.2,'),
    at: 'temperature: 0.2, top_p: 1',
    says: 'prompt "policy" version "1.0.0" field "sampling.temperature": must be 0 for "policy"',
  },
  {
    name: 'json_schema on a free-text prompt',
    from: HEALTH_SAMPLING,
    to: `${HEALTH_SAMPLING}\n        json_schema: { type: string }`,
    at: '        json_schema: { type: string }',
    says: 'prompt "health" version "1.0.0" field "json_schema": "health" answers in free text; remove json_schema',
  },
  {
    name: 'required prompt missing',
    from: ORIGINAL.slice(ORIGINAL.indexOf('  chat:\n')),
    to: '',
    at: 'prompts:\n',
    says: 'prompt "chat": is missing (required prompts: rationale, policy, summary, health, chat)',
  },
  {
    name: 'ab_salt with spaces',
    from: 'ab_salt: summary-ab-1',
    to: 'ab_salt: summary ab 1',
    at: 'ab_salt: summary ab 1',
    says: 'prompt "summary" field "ab_salt": expected 1-64 characters of A-Z a-z 0-9 . _ -',
  },
]

describe('malformed prompt files', () => {
  test.each(yamlCases)('$name: one line naming file:line and the place', (c) => {
    const once = replaceOnce(ORIGINAL, c.from, c.to)
    const text = c.also === undefined ? once : replaceOnce(once, ...c.also)
    copy.write(copy.yaml, text)
    let err: unknown
    try {
      loadPromptRegistry(copy.yaml)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(PromptConfigError)
    const message = (err as Error).message
    expect(message).not.toMatch(/[\r\n]/)
    expect(message).toContain(`${copy.yaml}:${lineOf(text, c.at)}${c.says.startsWith(':') ? '' : ' '}${c.says}`)
    expect((err as PromptConfigError).code).toBe('LLM_ERR_PROMPT_CONFIG')
  })

  test('the table covers at least 10 cases', () => {
    expect(yamlCases.length).toBeGreaterThanOrEqual(10)
  })

  test('a corrupt lock file names the file and the entry', () => {
    copy.write(copy.yaml, ORIGINAL)
    copy.write(copy.lock, '{"chat@1.0.0": "not-a-hash"}')
    expect(() => loadPromptRegistry(copy.yaml)).toThrow(`${copy.lock} field "chat@1.0.0": values are sha256 hex digests`)
    copy.write(copy.lock, '{"chat@1.0.0": ')
    expect(() => loadPromptRegistry(copy.yaml)).toThrow(PromptLockError)
    expect(() => loadPromptRegistry(copy.yaml)).toThrow(new RegExp(`^${copy.lock}: not valid JSON: `))
  })

  test('a missing prompt file says so on one line', () => {
    expect(() => loadPromptRegistry(`${copy.dir}/nope.yaml`)).toThrow(new RegExp(`^${copy.dir}/nope\\.yaml: cannot read: ENOENT`))
  })
})

const abCases: Array<[spec: string, says: string]> = [
  ['rationale', 'segment "rationale" is not <prompt>:<version>[=<weight>],...'],
  ['ratonale:1.0.0', 'unknown prompt "ratonale" (known: rationale, policy, summary, health, chat)'],
  ['rationale:2.0.0', 'prompt "rationale" has no version "2.0.0" (versions: 1.0.0, 1.1.0)'],
  ['rationale:1.0.0=90,1.1.0=5', 'prompt "rationale": weights sum to 95, not 100'],
  ['rationale:1.0.0;rationale:1.1.0', 'prompt "rationale" is listed twice'],
  ['rationale:1.0.0,1.0.0', 'prompt "rationale": version "1.0.0" is listed twice'],
  ['rationale:1.0.0=90,1.1.0', 'prompt "rationale": give a weight to every version or to none (equal split)'],
  ['rationale:1.0.0=100,1.1.0=0', 'prompt "rationale" version "1.1.0": weight "0" is not a percentage above 0 and at most 100'],
  ['rationale:1.0.0=abc,1.1.0=10', 'prompt "rationale" version "1.0.0": weight "abc" is not a percentage'],
  [
    'rationale:1.0.0=33.333,1.1.0=66.667',
    'prompt "rationale" version "1.0.0": weight "33.333" is not a percentage above 0 and at most 100 (2 decimals at most)',
  ],
  ['rationale:', 'prompt "rationale": arm "" is not <version>[=<weight>]'],
  ['rationale:1.0.0=50=50', 'prompt "rationale": arm "1.0.0=50=50" is not <version>[=<weight>]'],
]

describe('malformed LLM_AB_BUCKETS', () => {
  test.each(abCases)('%s', (spec, says) => {
    let err: unknown
    try {
      loadPromptRegistry(PROMPTS_YAML, { abBuckets: spec })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(AbSpecError)
    expect(err).toBeInstanceOf(PromptRegistryError)
    expect((err as Error).message).not.toMatch(/[\r\n]/)
    expect((err as Error).message).toContain(`LLM_AB_BUCKETS "${spec.trim()}": ${says}`)
  })

  test('the CLI exits 1 with the one-line message (as a service does at start)', async () => {
    const run = await runPromptsCli(['list', '--file', PROMPTS_YAML], { LLM_AB_BUCKETS: 'rationale:1.0.0=90,1.1.0=20' })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('LLM_AB_BUCKETS "rationale:1.0.0=90,1.1.0=20": prompt "rationale": weights sum to 110, not 100\n')
  }, 60_000)
})
