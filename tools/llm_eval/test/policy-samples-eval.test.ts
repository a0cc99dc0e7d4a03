import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { evalRunCommand } from '../src/eval-command'
import { DATASET, PROMPTS_FILE, captureContext, readJsonl, tempDir } from './eval-fixtures'

// Issue 19, acceptance 3: with LLM_POLICY_SAMPLES=3 the eval reports the policy's agreement and cost per item.
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

const args = (runId: string) => ['--dataset', DATASET, '--limit', '60', '--prompt', 'policy', '--prompts-file', PROMPTS_FILE, '--out', out, '--run-id', runId]

test('k = 3 with a flip rate: summary.json has the agreement and the calls and tokens per item; k = 1 has none', async () => {
  await sim.setFaults({ policy_flip: 0.2 })
  const ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: noDb, LLM_POLICY_SAMPLES: '3' })
  const before = sim.stats().requests
  expect(await evalRunCommand(args('k3'), ctx), ctx.stderr.join('\n')).toBe(0)
  expect(sim.stats().requests - before).toBe(180)
  const s = JSON.parse(await readFile(join(out, 'k3', 'summary.json'), 'utf8'))
  const p = s.versions['policy@1.0.0'].policy_samples
  const records = await readJsonl(join(out, 'k3', 'records.jsonl'))
  const mean = records.reduce((a, r) => a + (r.samples as { agreement: number }).agreement, 0) / records.length
  expect(p).toMatchObject({ k: 3, calls_per_item: 3 })
  expect(p.agreement).toBeCloseTo(mean, 12)
  expect(p.agreement).toBeLessThan(1)
  expect(p.agreement).toBeGreaterThan(0.6)
  expect(p.tokens_per_item).toBeGreaterThan(0)
  expect(ctx.stdout.join('\n')).toMatch(/policy@1\.0\.0: .*; k=3 agreement \d+\.\d%, unanimous \d+\.\d%, 3 calls and \d+ tokens per item/)

  const one = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: noDb })
  expect(await evalRunCommand(args('k1'), one), one.stderr.join('\n')).toBe(0)
  const s1 = JSON.parse(await readFile(join(out, 'k1', 'summary.json'), 'utf8'))
  expect(s1.versions['policy@1.0.0']).not.toHaveProperty('policy_samples')
  await sim.setFaults({ policy_flip: 0 })
}, 120_000)
