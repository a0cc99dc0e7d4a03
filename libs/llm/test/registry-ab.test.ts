import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { abUnitKey, loadPromptRegistry, parseAbBuckets, PromptRenderError, type LoadedPromptRegistry } from '@pulsetrade/llm'
import { PROMPTS_YAML, REPO_ROOT } from './registry-test-kit'
import samplesJson from '../../../configs/llm_prompts.samples.json' with { type: 'json' }

/** Acceptance 2: sticky, deterministic, weighted A/B arms. */

const SPEC_90_10 = 'rationale:1.0.0=90,1.1.0=10'
const samples = samplesJson as Record<string, Record<string, unknown>>
const tmp = mkdtempSync(join(tmpdir(), 'pt-ab-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** 10,000 realistic unit keys: 40 symbols x 250 daily bars. */
const unitKeys = (): string[] => {
  const keys: string[] = []
  for (let s = 0; s < 40; s++) {
    for (let d = 0; d < 250; d++) {
      keys.push(abUnitKey({ symbol: `SYM${s}`, asof: new Date(Date.UTC(2020, 0, 2) + d * 86_400_000).toISOString() }))
    }
  }
  return keys
}

const load = (spec: string): LoadedPromptRegistry => loadPromptRegistry(PROMPTS_YAML, { abBuckets: spec })

describe('weighted split', () => {
  test('10,000 unit keys split 90/10 within one percentage point', () => {
    const reg = load(SPEC_90_10)
    const keys = unitKeys()
    expect(new Set(keys).size).toBe(10_000)
    const counts = { '1.0.0': 0, '1.1.0': 0 } as Record<string, number>
    for (const k of keys) {
      const c = reg.choose('rationale', k)
      counts[c.version] = (counts[c.version] ?? 0) + 1
      expect(c.arm).toBe(c.version)
    }
    expect(Math.abs((counts['1.0.0'] ?? 0) / 100 - 90)).toBeLessThanOrEqual(1)
    expect(Math.abs((counts['1.1.0'] ?? 0) / 100 - 10)).toBeLessThanOrEqual(1)
  })

  test('an equal split (no weights) gives each arm about half', () => {
    const reg = load('rationale:1.0.0,1.1.0')
    expect(reg.arms('rationale')?.map((a) => [a.version, a.weight, a.from, a.to])).toEqual([
      ['1.0.0', 50, 0, 5000],
      ['1.1.0', 50, 5000, 10_000],
    ])
    const share = unitKeys().filter((k) => reg.choose('rationale', k).version === '1.1.0').length / 100
    expect(Math.abs(share - 50)).toBeLessThanOrEqual(1.5)
  })

  test('the bucket is sha256(prompt \\n salt \\n unit key), first 48 bits, mod 10000', () => {
    const reg = load(SPEC_90_10)
    const key = 'SPX|2020-01-17T00:00:00.000Z'
    const digest = createHash('sha256')
      .update(`rationale\n${reg.abSalt('rationale')}\n${key}`)
      .digest()
    const expected = Number(BigInt('0x' + digest.subarray(0, 6).toString('hex')) % 10_000n)
    const choice = reg.choose('rationale', key)
    expect(choice.bucket).toBe(expected)
    expect(choice.version).toBe(expected < 9000 ? '1.0.0' : '1.1.0')
  })
})

describe('sticky across processes', () => {
  test('a separate process assigns every one of 10,000 keys the same arm and bucket', async () => {
    const keys = unitKeys()
    const here = load(SPEC_90_10)
    const expected = keys.map((k) => {
      const c = here.choose('rationale', k)
      return [c.arm, c.bucket]
    })
    const jobFile = join(tmp, 'job.json')
    writeFileSync(jobFile, JSON.stringify({ yaml: PROMPTS_YAML, spec: SPEC_90_10, prompt: 'rationale', keys }))
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, 'libs/llm/test/registry-arms-child.ts'), jobFile],
        { cwd: REPO_ROOT, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
        (err, out) => {
          if (err !== null) reject(err)
          else resolve(out)
        },
      )
    })
    expect(JSON.parse(stdout)).toEqual(expected)
  }, 60_000)
})

describe('arms in rendered prompts', () => {
  test('render picks the arm from symbol|asof and records arm and bucket', () => {
    const reg = load(SPEC_90_10)
    const vars = samples.rationale ?? {}
    const r = reg.render('rationale', vars)
    const c = reg.choose('rationale', `${String(vars.symbol)}|${String(vars.asof)}`)
    expect([r.version, r.arm, r.bucket]).toEqual([c.version, c.version, c.bucket])
    expect(r.hash).toBe(reg.get('rationale', c.version).hash)
    expect(reg.render('rationale', vars, { unitKey: 'X|1' }).bucket).toBe(reg.choose('rationale', 'X|1').bucket)
  })

  test('prompts not in the spec use the active version with arm and bucket null', () => {
    const reg = load(SPEC_90_10)
    const r = reg.render('policy', samples.policy ?? {})
    expect([r.version, r.arm, r.bucket]).toEqual(['1.0.0', null, null])
    expect(reg.choose('summary', 'anything')).toEqual({ version: '1.0.1', arm: null, bucket: null })
    expect(reg.arms('policy')).toBeNull()
  })

  test('no spec: every prompt renders its active version', () => {
    const reg = loadPromptRegistry(PROMPTS_YAML)
    expect(reg.render('rationale', samples.rationale ?? {})).toMatchObject({ version: '1.0.0', arm: null, bucket: null })
  })

  test('an explicit version overrides the split and carries no arm', () => {
    const r = load(SPEC_90_10).render('rationale', samples.rationale ?? {}, { version: '1.1.0' })
    expect([r.version, r.arm, r.bucket]).toEqual(['1.1.0', null, null])
  })

  test('a split prompt without a unit key fails at render instead of guessing', () => {
    const reg = load('summary:1.0.0')
    expect(() => reg.render('summary', samples.summary ?? {})).toThrow(PromptRenderError)
    expect(reg.render('summary', samples.summary ?? {}, { unitKey: 'dashboard' }).arm).toBe('1.0.0')
  })

  test('parseAbBuckets works against any registry view and keeps arms in written order', () => {
    const view = { names: () => ['p'], versions: () => [{ version: '1.0.0' }, { version: '2.0.0' }, { version: '3.0.0' }] }
    const arms = parseAbBuckets(' p : 3.0.0 , 1.0.0 , 2.0.0 ; ', view).get('p')
    expect(arms?.map((a) => [a.version, a.from, a.to])).toEqual([
      ['3.0.0', 0, 3334],
      ['1.0.0', 3334, 6667],
      ['2.0.0', 6667, 10_000],
    ])
    expect(parseAbBuckets(undefined, view).size).toBe(0)
    expect(
      parseAbBuckets('p:1.0.0=12.5,2.0.0=87.5', view)
        .get('p')
        ?.map((a) => a.weight),
    ).toEqual([12.5, 87.5])
  })
})
