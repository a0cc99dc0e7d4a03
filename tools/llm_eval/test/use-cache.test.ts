import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../test/db'
import { evalRunCommand } from '../src/eval-command'
import { DATASET, PROMPTS_FILE, captureContext, readJsonl, tempDir } from './eval-fixtures'

const db = await testDatabase()
let sim: LexiSim

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 2 })
})
afterAll(async () => {
  await sim?.close()
})

const run = async (runId: string, extra: string[]): Promise<Array<Record<string, unknown>>> => {
  const out = await tempDir()
  const ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: db.url, LLM_TIMEOUT_MS: '10000' })
  const code = await evalRunCommand(
    ['--dataset', DATASET, '--limit', '8', '--prompt', 'policy', '--prompts-file', PROMPTS_FILE, '--out', out, '--run-id', runId, ...extra],
    ctx,
  )
  expect(code, ctx.stderr.join('\n')).toBe(0)
  return readJsonl(join(out, runId, 'records.jsonl'))
}

test('the cache is off by default: a repeated run reaches the model every time and writes nothing to llm_cache', async () => {
  // Its own starting point: the --use-cache test may have filled the table before (shuffled order).
  await db.pool.query('TRUNCATE llm_cache')
  await run('plain-1', [])
  const again = await run('plain-2', [])
  expect(again.every((r) => r.cached === false)).toBe(true)
  expect((await db.pool.query('SELECT count(*)::int AS n FROM llm_cache')).rows[0].n).toBe(0)
}, 60_000)

test('--use-cache answers a repeated deterministic run from llm_cache', async () => {
  await db.pool.query('TRUNCATE llm_cache')
  const first = await run('cached-1', ['--use-cache'])
  expect(first.every((r) => r.cached === false)).toBe(true)
  const second = await run('cached-2', ['--use-cache'])
  expect(second.map((r) => r.cached)).toEqual(new Array(8).fill(true))
  expect(second.map((r) => r.decision).sort()).toEqual(first.map((r) => r.decision).sort())
}, 60_000)
