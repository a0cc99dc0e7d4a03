import { createHash } from 'node:crypto'
import { afterEach, describe, expect, test } from 'vitest'
import { loadPromptRegistry, PromptLockError } from '@pulsetrade/llm'
import { copyConfigs, lineOf, replaceOnce, runPromptsCli, type ConfigCopy } from './registry-test-kit'

/** Acceptance 1: a published version is immutable; a change ships as a new, locked version. */

const POLICY_START = '      - version: 1.0.0\n        description: Rule-based reviewer'
const POLICY_END = '\n  summary:'
const ONE_CHAR = ['pre-trade reviewer of PulseTrade', 'pre-trade reviewar of PulseTrade'] as const

let copies: ConfigCopy[] = []
afterEach(() => {
  for (const c of copies) c.remove()
  copies = []
})
const fresh = (): ConfigCopy => {
  const c = copyConfigs()
  copies.push(c)
  return c
}

/** The published policy@1.0.0 entry as written in the YAML. */
const policyBlock = (yaml: string): string => yaml.slice(yaml.indexOf(POLICY_START), yaml.indexOf(POLICY_END))

describe('published versions are immutable', () => {
  test('the real configs load and every version is locked', () => {
    const c = fresh()
    const reg = loadPromptRegistry(c.yaml)
    expect(reg.lockStatus().entries.every((e) => e.state === 'locked')).toBe(true)
    expect(reg.lockStatus().orphans).toEqual([])
  })

  test('one edited character of a published version fails load, naming file:line, prompt and version', () => {
    const c = fresh()
    c.editYaml(...ONE_CHAR)
    let err: unknown
    try {
      loadPromptRegistry(c.yaml)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(PromptLockError)
    const message = (err as Error).message
    expect(message).not.toContain('\n')
    const line = lineOf(c.read(c.yaml), POLICY_START)
    expect(message.startsWith(`${c.yaml}:${line} prompt "policy" version "1.0.0": content hash `)).toBe(true)
    expect(message).toContain('immutable')
    expect((err as PromptLockError).code).toBe('LLM_ERR_PROMPT_LOCK')
  })

  test('an edit of the description alone keeps the hash (it is not sent to the model)', () => {
    const c = fresh()
    const before = loadPromptRegistry(c.yaml).get('policy', '1.0.0').hash
    c.editYaml('description: Rule-based reviewer', 'description: A rule-based reviewer')
    expect(loadPromptRegistry(c.yaml).get('policy', '1.0.0').hash).toBe(before)
  })

  test('reformatting the YAML (flow to block mapping, key order) keeps the hash', () => {
    const c = fresh()
    const before = loadPromptRegistry(c.yaml).get('policy', '1.0.0').hash
    c.editYaml(
      '        sampling: { temperature: 0, top_p: 1, max_tokens: 320 }\n',
      '        sampling:\n          max_tokens: 320\n          top_p: 1.0\n          temperature: 0\n',
    )
    expect(loadPromptRegistry(c.yaml).get('policy', '1.0.0').hash).toBe(before)
  })

  test('the hash is sha256 of the sorted-key, whitespace-free JSON of the version', () => {
    const c = fresh()
    const v = loadPromptRegistry(c.yaml).get('health', '1.0.0')
    // Written out by hand (keys in code-unit order) so the test does not reuse the implementation.
    const canonical =
      '{"json_schema":null,"name":"health","sampling":{"max_tokens":4,"temperature":0,"top_p":1},' +
      `"system":${JSON.stringify(v.system)},"user":"Reply with exactly OK","variables":[],"version":"1.0.0"}`
    expect(v.hash).toBe(createHash('sha256').update(canonical).digest('hex'))
  })
})

describe('prompts CLI on a copy (real subprocess)', () => {
  test('check and lock fail on the edit; publishing it as a new version and locking passes', async () => {
    const c = fresh()
    const files = ['--file', c.yaml, '--lock', c.lock, '--samples', c.samples]
    const original = c.read(c.yaml)
    const published = policyBlock(original)
    const edited = replaceOnce(published, ...ONE_CHAR)
    const lockBefore = c.read(c.lock)

    c.write(c.yaml, replaceOnce(original, published, edited))
    const check1 = await runPromptsCli(['check', ...files])
    expect(check1.code).toBe(1)
    expect(check1.stderr).toMatch(/llm_prompts\.yaml:\d+ prompt "policy" version "1\.0\.0": content hash [0-9a-f]{12} differs/)
    const lock1 = await runPromptsCli(['lock', ...files])
    expect(lock1.code).toBe(1)
    expect(lock1.stderr).toContain('prompt "policy" version "1.0.0"')
    expect(lock1.stderr).toContain('lock refused: it never rewrites a published hash')
    expect(c.read(c.lock)).toBe(lockBefore)

    // The bump: the edited text becomes 1.0.1 and the active version; 1.0.0 stays as published.
    const bumped = replaceOnce(edited, 'version: 1.0.0', 'version: 1.0.1')
    c.write(
      c.yaml,
      replaceOnce(replaceOnce(original, published, published + bumped), 'active: 1.0.0\n    ab_salt: policy-ab-1', 'active: 1.0.1\n    ab_salt: policy-ab-1'),
    )
    expect(loadPromptRegistry(c.yaml).active('policy').version).toBe('1.0.1') // service start is fine
    const check2 = await runPromptsCli(['check', ...files])
    expect(check2.code).toBe(1)
    expect(check2.stderr).toContain('prompt "policy" version "1.0.1": not in')

    const lock2 = await runPromptsCli(['lock', ...files])
    expect(lock2.code).toBe(0)
    expect(lock2.stdout).toMatch(/locked policy@1\.0\.1 [0-9a-f]{64}/)
    const lockAfter = JSON.parse(c.read(c.lock)) as Record<string, string>
    expect(lockAfter).toEqual({ ...JSON.parse(lockBefore), 'policy@1.0.1': loadPromptRegistry(c.yaml).get('policy', '1.0.1').hash })

    const check3 = await runPromptsCli(['check', ...files])
    expect(check3.stderr).toBe('')
    expect(check3.code).toBe(0)
    expect(check3.stdout).toContain('prompts check passed: 8 versions')
  }, 120_000) // five tsx start-ups; slow when the machine is shared

  test('check fails when a published version disappears from the YAML (renamed in place)', async () => {
    const c = fresh()
    c.editYaml(POLICY_START, POLICY_START.replace('1.0.0', '1.0.1'))
    c.editYaml('active: 1.0.0\n    ab_salt: policy-ab-1', 'active: 1.0.1\n    ab_salt: policy-ab-1')
    const files = ['--file', c.yaml, '--lock', c.lock, '--samples', c.samples]
    expect((await runPromptsCli(['lock', ...files])).code).toBe(0)
    const check = await runPromptsCli(['check', ...files])
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('"policy@1.0.0" is published in')
    expect(check.stderr).toContain('stored answers reference it')
  }, 60_000)

  test('check fails on a version that was never locked, but loading it still works', async () => {
    const c = fresh()
    const lock = JSON.parse(c.read(c.lock)) as Record<string, string>
    delete lock['summary@1.0.1']
    c.write(c.lock, JSON.stringify(lock))
    expect(loadPromptRegistry(c.yaml).active('summary').version).toBe('1.0.1')
    const check = await runPromptsCli(['check', '--file', c.yaml])
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('prompt "summary" version "1.0.1": not in')
  }, 60_000)
})
