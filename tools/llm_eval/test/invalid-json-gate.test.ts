import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { DATASET, PROMPTS_FILE, runCli, tempDir, type CliRun } from './eval-fixtures'

// Acceptance 2: with 20% invalid JSON from the simulator, first-try validity is within 3 points of
// 80% over 500 calls, the repair round raises it, and the real CLI exits 1 on --min-json-valid 0.99
// with a line naming the metric.
const CALLS = 500

let sim: LexiSim
let run: CliRun
let summary: any // eslint-disable-line @typescript-eslint/no-explicit-any -- summary.json as written

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 5, faults: { invalid_json: 0.2 } })
  const out = await tempDir()
  run = await runCli(
    [
      'run',
      '--dataset',
      DATASET,
      '--limit',
      String(CALLS),
      '--prompt',
      'rationale@1.0.0',
      '--prompts-file',
      PROMPTS_FILE,
      '--out',
      out,
      '--run-id',
      'invalid-json',
      '--min-json-valid',
      '0.99',
      '--max-p95-ms',
      '600000',
    ],
    { LLM_BASE_URL: `${sim.url}/v1`, LLM_TIMEOUT_MS: '30000' },
    150_000,
  )
  summary = JSON.parse(await readFile(join(out, 'invalid-json', 'summary.json'), 'utf8'))
}, 180_000)

afterAll(async () => {
  await sim?.close()
})

test('first-try JSON validity is within 3 points of 80% and the repair round raises it', () => {
  const v = summary.versions['rationale@1.0.0']
  expect(v.calls).toBe(CALLS)
  expect(v.json_valid_first_try.rate).toBeGreaterThanOrEqual(0.77)
  expect(v.json_valid_first_try.rate).toBeLessThanOrEqual(0.83)
  expect(v.json_valid_after_repair.rate).toBeGreaterThan(v.json_valid_first_try.rate)
  expect(v.repaired).toBeGreaterThan(0)
})

test('--min-json-valid 0.99 fails the run with exit code 1 and one line naming the metric, value and threshold', () => {
  expect(run.code, run.stderr).toBe(1)
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('gate failed:'))
  expect(lines).toHaveLength(1)
  const rate = summary.versions['rationale@1.0.0'].json_valid_after_repair.rate as number
  expect(lines[0]).toBe(`gate failed: json_valid_after_repair of rationale@1.0.0 = ${rate.toFixed(4)}, below the minimum 0.9900 (--min-json-valid)`)
})
