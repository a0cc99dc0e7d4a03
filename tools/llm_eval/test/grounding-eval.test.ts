import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { evalRunCommand } from '../src/eval-command'
import { DATASET, PROMPTS_FILE, captureContext, readJsonl, runCli, tempDir } from './eval-fixtures'

// Issue 19, acceptance 1: lexi-sim cites a wrong number in 20% of its rationales → the eval's
// grounded rate is 0.8 ± 0.05, and --min-grounded 0.9 fails the run with exit 1.
const ITEMS = '200'
let sim: LexiSim
let out: string
const noDb = 'postgres://postgres@127.0.0.1:1/none'

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 1 })
  out = await tempDir()
})
afterAll(async () => {
  await sim?.close()
})

const args = (runId: string, extra: string[] = []) => [
  '--dataset',
  DATASET,
  '--limit',
  ITEMS,
  '--prompt',
  'rationale@1.0.0',
  '--prompt',
  'rationale@1.1.0',
  '--prompt',
  'policy',
  '--prompts-file',
  PROMPTS_FILE,
  '--out',
  out,
  '--run-id',
  runId,
  ...extra,
]

describe('grounded rate in the eval', () => {
  test('a fault-free simulator quotes its inputs: every rationale is grounded, and --min-grounded 1 passes', async () => {
    await sim.setFaults({ wrong_number: 0 })
    const ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: noDb })
    const code = await evalRunCommand(args('clean', ['--min-grounded', '1']), ctx)
    expect(code, ctx.stderr.join('\n')).toBe(0)
    const s = JSON.parse(await readFile(join(out, 'clean', 'summary.json'), 'utf8'))
    for (const label of ['rationale@1.0.0', 'rationale@1.1.0']) {
      expect(s.versions[label].grounded).toMatchObject({ count: 200, rate: 1, of: 200, unmatched: 0 })
      // Each answer cites its numbers: p_up, mu, sigma, returns, the interval, RSI, ... (so the check has work to do).
      expect(s.versions[label].grounded.cited).toBeGreaterThan(200 * 8)
    }
    expect(s.versions['policy@1.0.0'].grounded).toBeNull()
  }, 120_000)

  test('at a wrong-number rate of 20% the grounded rate is 0.8 ± 0.05 and --min-grounded 0.9 exits 1 naming the metric', async () => {
    await sim.setFaults({ wrong_number: 0.2 })
    const run = await runCli(args('wrong', ['--min-grounded', '0.9']), { LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: noDb }, 150_000)
    expect(run.code, run.stderr).toBe(1)
    const s = JSON.parse(await readFile(join(out, 'wrong', 'summary.json'), 'utf8'))
    const failed = run.stderr.split('\n').filter((l) => l.startsWith('gate failed:'))
    expect(failed).toHaveLength(2)
    for (const label of ['rationale@1.0.0', 'rationale@1.1.0']) {
      const g = s.versions[label].grounded
      expect(g.of).toBe(200)
      expect(Math.abs(g.rate - 0.8)).toBeLessThanOrEqual(0.05)
      expect(g.rate).toBe(0.8) // lexi-sim draws the fault per prompt version with an exact-rate gate
      expect(failed).toContainEqual(
        expect.stringMatching(
          new RegExp(`^gate failed: grounded_rate of ${label.replace('.', '\\.')} = 0\\.\\d{4}, below the minimum 0\\.9000 \\(--min-grounded\\)`),
        ),
      )
    }
    // The policy version has no rationale to ground: the gate leaves it out instead of failing it.
    expect(failed.some((l) => l.includes('policy@'))).toBe(false)
    expect(run.stdout).toMatch(/rationale@1\.0\.0: .*; grounded \d+\.\d% of 200/)
    // Ungrounded answers are kept (schema-valid, in records.jsonl) and say which number is not in the data.
    const records = await readJsonl(join(out, 'wrong', 'records.jsonl'))
    const rationales = records.filter((r) => r.prompt === 'rationale')
    expect(rationales.every((r) => r.schema_valid)).toBe(true)
    const flagged = rationales.filter((r) => r.grounding.unmatched.length > 0)
    expect(flagged.length).toBe(Math.round(400 - s.versions['rationale@1.0.0'].grounded.count - s.versions['rationale@1.1.0'].grounded.count))
    // The simulator cited a wrong number exactly as often as the checker flagged one.
    expect((await sim.stats()).faults.wrong_number).toBe(flagged.length)
    for (const r of flagged) {
      expect(r.grounding.unmatched).toEqual([{ text: expect.stringMatching(/^[+-]\d+\.\d\d %$/), where: 'summary' }])
      expect(r.parsed.summary).toContain(`mu ${r.grounding.unmatched[0].text}`)
    }
    const html = await readFile(join(out, 'wrong', 'report.html'), 'utf8')
    expect(html).toContain('<table class="grounding">')
    expect(html).toContain(`${(s.versions['rationale@1.0.0'].grounded.rate * 100).toFixed(2)}%`)
    // The same run passes a gate it meets.
    const ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: noDb })
    expect(await evalRunCommand(args('wrong-low', ['--min-grounded', '0.7']), ctx), ctx.stderr.join('\n')).toBe(0)
  }, 240_000)
})
