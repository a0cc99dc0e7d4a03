import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { pgAdminUrl, runPrefix, testDatabase } from '../../../test/db'
import { evalRunCommand } from '../src/eval-command'
import { PROMPTS_FILE, captureContext, tempDir } from './eval-fixtures'

// A database that is there but holds no forecast history (a fresh `make run` before the worker ran,
// or a database never migrated) makes a run replay the bundled dataset and say why in one line; a
// database that refuses the login is an error, not a reason to replay something else.
const db = await testDatabase()
const bare = `${runPrefix()}_bare`
const admin = new pg.Client({ connectionString: pgAdminUrl() })
let sim: LexiSim

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 2 })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${bare}`)
})

afterAll(async () => {
  await sim?.close()
  await admin.query(`DROP DATABASE IF EXISTS ${bare}`)
  await admin.end()
})

const urlOf = (name: string): string => {
  const u = new URL(pgAdminUrl())
  u.pathname = `/${name}`
  return u.toString()
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifest.json as written
async function run(dbUrl: string, id: string): Promise<{ code: number; stderr: string[]; manifest: Record<string, any> }> {
  const out = await tempDir()
  const ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: dbUrl, LLM_TIMEOUT_MS: '10000' })
  const code = await evalRunCommand(['--prompts-file', PROMPTS_FILE, '--sample', '6', '--prompt', 'policy', '--out', out, '--run-id', id], ctx)
  return { code, stderr: ctx.stderr, manifest: JSON.parse(await readFile(join(out, id, 'manifest.json'), 'utf8')) }
}

describe('no forecast history in the database', () => {
  test('an empty forecasts table: the bundled dataset, and one line that says so', async () => {
    const r = await run(db.url, 'empty')
    expect(r.code, r.stderr.join('\n')).toBe(0)
    expect(r.stderr.filter((l) => l.includes('bundled dataset'))).toEqual([
      `no forecasts to replay (no forecasts with features.llm.inputs in ${db.url}): using the bundled dataset tools/llm_eval/datasets/sp500-signals.jsonl`,
    ])
    expect(r.manifest.dataset).toMatchObject({ source: 'jsonl', items: 6, sample: { size: 6, population: 5044 } })
    expect(r.manifest.dataset.fallback).toMatch(/^no forecasts with features\.llm\.inputs in /)
  }, 60_000)

  test('a database without the schema (never migrated): the bundled dataset as well', async () => {
    const r = await run(urlOf(bare), 'unmigrated')
    expect(r.code, r.stderr.join('\n')).toBe(0)
    expect(r.manifest.dataset.fallback).toBe('cannot read forecasts: relation "forecasts" does not exist')
  }, 60_000)

  test('a database that does not exist: the bundled dataset as well', async () => {
    const r = await run(urlOf(`${bare}_missing`), 'missing')
    expect(r.code, r.stderr.join('\n')).toBe(0)
    expect(r.manifest.dataset.fallback).toBe(`cannot read forecasts: database "${bare}_missing" does not exist`)
  }, 60_000)

  test('a login the database refuses stops the run instead', async () => {
    const role = `${runPrefix()}_nologin`
    await admin.query(`CREATE ROLE ${role} NOLOGIN`)
    try {
      const u = new URL(db.url)
      u.username = role
      const ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: u.toString() })
      await expect(evalRunCommand(['--prompts-file', PROMPTS_FILE, '--out', await tempDir()], ctx)).rejects.toThrow(
        expect.objectContaining({
          code: 'EVAL_ERR_SOURCE',
          message: expect.stringContaining('is not permitted to log in'),
        }),
      )
    } finally {
      await admin.query(`DROP ROLE ${role}`)
    }
  }, 60_000)
})
