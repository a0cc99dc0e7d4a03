import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { parseDocument, DomUtils } from 'htmlparser2'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { evalRunCommand } from '../src/eval-command'
import { DATASET, PROMPTS_FILE, captureContext, inspectHtml, readJsonl, runCli, tempDir, type CliRun } from './eval-fixtures'

// Issue 16, acceptance 5: on a fresh clone with no database, a bare eval run against lexi-sim exits
// 0 with the four files, says SIMULATED everywhere, shows the answers per item; a failed gate (1)
// and an unreachable endpoint (3) are told apart by the exit code; --junit writes JUnit XML.
const SIMULATED = 'SIMULATED — not a model evaluation'

async function closedPort(): Promise<number> {
  const s = http.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

let sim: LexiSim
let out: string
let bare: CliRun
let noDbPort: number

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 2 })
  out = await tempDir()
  noDbPort = await closedPort()
  // No DATABASE_URL: the eval falls back to the embedded Postgres of `make run`, which is not running.
  bare = await runCli(
    ['run', '--out', out, '--run-id', 'bare'],
    {
      LLM_BASE_URL: `${sim.url}/v1`,
      LLM_PROMPTS_PATH: PROMPTS_FILE,
      EMBEDDED_PG_PORT: String(noDbPort),
    },
    240_000,
  )
}, 270_000)

afterAll(async () => {
  await sim?.close()
})

describe('a bare run with no database', () => {
  test('exits 0, writes the four files, and says in one line that it replays the bundled dataset', async () => {
    expect(bare.code, bare.stderr).toBe(0)
    expect((await readdir(join(out, 'bare'))).sort()).toEqual(['manifest.json', 'records.jsonl', 'report.html', 'summary.json'])
    const lines = bare.stderr.split('\n').filter((l) => l.includes('bundled dataset'))
    expect(lines).toEqual([
      `no forecasts to replay (cannot read forecasts: connect ECONNREFUSED 127.0.0.1:${noDbPort}): using the bundled dataset tools/llm_eval/datasets/sp500-signals.jsonl`,
    ])
  })

  test('replays a stratified sample of 300 items of the bundled dataset through the active rationale and policy', async () => {
    const m = JSON.parse(await readFile(join(out, 'bare', 'manifest.json'), 'utf8'))
    expect(m.dataset).toMatchObject({
      source: 'jsonl',
      items: 300,
      file_sha256: createHash('sha256')
        .update(await readFile(DATASET))
        .digest('hex'),
    })
    expect(m.dataset.fallback).toContain('ECONNREFUSED')
    expect(m.dataset.sample).toMatchObject({ size: 300, seed: 1, population: 5044 })
    expect(m.dataset.sample.strata.reduce((s: number, x: { sampled: number }) => s + x.sampled, 0)).toBe(300)
    expect((await readJsonl(join(out, 'bare', 'records.jsonl'))).length).toBe(600)
    expect(bare.stderr).toContain('300 items (stratified sample of 5044, seed 1; --all for every item)')
    const html = await readFile(join(out, 'bare', 'report.html'), 'utf8')
    expect(html).toContain(`<summary>sample: 300 of 5044 items, seed 1, ${m.dataset.sample.strata.length} strata</summary>`)
  })

  test('manifest, console and report say SIMULATED — not a model evaluation', async () => {
    const m = JSON.parse(await readFile(join(out, 'bare', 'manifest.json'), 'utf8'))
    expect(m.simulated).toEqual({ simulated: true, label: SIMULATED, evidence: [`${sim.url}/v1: GET /version says simulator "lexi-sim"`] })
    expect(bare.stdout.split('\n')[0]).toMatch(new RegExp(`^${SIMULATED}: ${join(out, 'bare')}: 600 calls`))
    expect(bare.stderr.split('\n').filter((l) => l.startsWith(SIMULATED)).length).toBeGreaterThanOrEqual(1)
    const html = await readFile(join(out, 'bare', 'report.html'), 'utf8')
    const doc = parseDocument(html)
    const banner = DomUtils.findOne((e) => e.attribs.class === 'simulated', doc.children)
    expect(banner && DomUtils.textContent(banner)).toContain(SIMULATED)
    // The banner comes before the first heading, and the page title says it too.
    expect(html.indexOf('class="simulated"')).toBeLessThan(html.indexOf('<h1>'))
    expect(DomUtils.textContent(DomUtils.findOne((e) => e.name === 'title', doc.children) ?? [])).toMatch(new RegExp(`^${SIMULATED}`))
  })

  test('records keep the first and final answer text and the parsed answer', async () => {
    const records = await readJsonl(join(out, 'bare', 'records.jsonl'))
    for (const r of records) {
      expect(r.schema_valid).toBe(true)
      expect(typeof r.raw).toBe('string')
      expect(r.first_raw).toBe(r.raw) // no repair round against a fault-free simulator
      expect(r.parsed).toEqual(JSON.parse(r.raw))
      expect(r.inputs.forecast.p_up).toBe(r.p_up)
    }
  })

  test("the report's per-item table shows each version's answer side by side, with validity and decision", async () => {
    const records = await readJsonl(join(out, 'bare', 'records.jsonl'))
    const html = await readFile(join(out, 'bare', 'report.html'), 'utf8')
    const doc = parseDocument(html)
    const table = DomUtils.findOne((e) => e.name === 'table' && e.attribs.class === 'items', doc.children)
    expect(table).not.toBeNull()
    const head = DomUtils.findAll((e) => e.name === 'th', [table as never]).map((e) => DomUtils.textContent(e))
    expect(head).toEqual(['item', 'input', 'rationale@1.0.0', 'policy@1.0.0'])
    const rows = new Map(
      DomUtils.findAll((e) => e.name === 'tr' && e.attribs['data-item'] !== undefined, [table as never]).map((tr) => [tr.attribs['data-item'], tr]),
    )
    expect(rows.size).toBe(300)
    for (const r of records) {
      const cells = DomUtils.findAll((e) => e.name === 'td' && e.parent === rows.get(r.item_id), [rows.get(r.item_id) as never])
      const cell = DomUtils.textContent(cells[r.arm === 'rationale@1.0.0' ? 2 : 3] as never)
      expect(cell).toContain(r.decision)
      expect(cell).toContain('✓ schema')
      expect(cell).toContain(r.prompt === 'rationale' ? r.parsed.summary : r.parsed.reason)
      expect(cell).toContain(JSON.stringify(r.parsed, null, 2))
      expect(DomUtils.textContent(cells[1] as never)).toContain(`p_up ${r.p_up.toFixed(3)}`)
    }
    const page = inspectHtml(html)
    expect(page.externalRefs).toEqual([])
    expect(page.forbiddenTags).toEqual([])
  })
})

describe('exit codes and JUnit XML', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' || name === 'property' })

  test('a failed gate exits 1 and --junit writes one test case per gate and version, the failed ones with a failure', async () => {
    const dir = await tempDir()
    const junit = join(dir, 'junit', 'eval.xml')
    const run = await runCli(
      [
        'run',
        '--dataset',
        DATASET,
        '--limit',
        '20',
        '--prompts-file',
        PROMPTS_FILE,
        '--out',
        dir,
        '--run-id',
        'gated',
        '--junit',
        junit,
        '--min-schema-valid',
        '0.5',
        '--max-p50-ms',
        '0',
      ],
      { LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: `postgres://postgres@127.0.0.1:${noDbPort}/none` },
      120_000,
    )
    expect(run.code, run.stderr).toBe(1)
    expect(run.stderr.split('\n').filter((l) => l.startsWith('gate failed:'))).toHaveLength(2)
    const xml = await readFile(junit, 'utf8')
    expect(XMLValidator.validate(xml)).toBe(true)
    const suite = parser.parse(xml).testsuites.testsuite
    expect(suite.name).toBe(`llm-eval gated (${SIMULATED})`)
    expect(suite).toMatchObject({ tests: '4', failures: '2', errors: '0' })
    expect(suite.properties.property).toContainEqual({ name: 'simulated', value: 'true' })
    const cases = suite.testcase.map((c: { classname: string; name: string; failure?: { message: string } }) => [
      c.classname,
      c.name,
      c.failure?.message ?? null,
    ])
    expect(cases).toEqual([
      ['llm-eval.rationale@1.0.0', 'schema_valid (--min-schema-valid 0.5)', null],
      ['llm-eval.policy@1.0.0', 'schema_valid (--min-schema-valid 0.5)', null],
      [
        'llm-eval.rationale@1.0.0',
        'latency_p50_ms (--max-p50-ms 0)',
        expect.stringMatching(/^gate failed: latency_p50_ms of rationale@1\.0\.0 = \d+ ms, above the maximum 0 ms/),
      ],
      ['llm-eval.policy@1.0.0', 'latency_p50_ms (--max-p50-ms 0)', expect.stringMatching(/^gate failed: latency_p50_ms of policy@1\.0\.0/)],
    ])
  }, 150_000)

  test('an unreachable endpoint exits 3, says how to start one, and the JUnit file has one errored test case', async () => {
    const dir = await tempDir()
    const junit = join(dir, 'eval.xml')
    const port = await closedPort()
    const run = await runCli(
      ['run', '--out', dir, '--junit', junit, '--min-schema-valid', '0.5'],
      {
        LLM_BASE_URL: `http://127.0.0.1:${port}/v1`,
        LLM_PROMPTS_PATH: PROMPTS_FILE,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${noDbPort}/none`,
      },
      120_000,
    )
    expect(run.code, run.stderr).toBe(3)
    expect(run.stderr).toContain(`http://127.0.0.1:${port}/v1 unreachable (connect ECONNREFUSED 127.0.0.1:${port}); start the simulator with \`make sim\``)
    expect(await readdir(dir)).toEqual(['eval.xml'])
    const xml = await readFile(junit, 'utf8')
    expect(XMLValidator.validate(xml)).toBe(true)
    const suite = parser.parse(xml).testsuites.testsuite
    expect(suite).toMatchObject({ tests: '1', failures: '0', errors: '1' })
    expect(suite.testcase[0].error.message).toContain('unreachable')
  }, 150_000)

  test('a run that cannot be made for another reason (a dataset that is not there) also leaves an errored JUnit test case', async () => {
    const dir = await tempDir()
    const junit = join(dir, 'eval.xml')
    const ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1` })
    await expect(
      evalRunCommand(['--dataset', join(dir, 'missing.jsonl'), '--prompts-file', PROMPTS_FILE, '--out', dir, '--junit', junit], ctx),
    ).rejects.toThrow(expect.objectContaining({ code: 'EVAL_ERR_DATASET' }))
    const xml = await readFile(junit, 'utf8')
    expect(XMLValidator.validate(xml)).toBe(true)
    const suite = parser.parse(xml).testsuites.testsuite
    expect(suite).toMatchObject({ tests: '1', errors: '1' })
    expect(suite.testcase[0]).toMatchObject({
      name: 'run could be made',
      error: { type: 'error', message: expect.stringContaining('missing.jsonl: cannot read') },
    })
  })

  test('a usage error exits 2', async () => {
    const run = await runCli(['run', '--all', '--limit', '5'], { LLM_BASE_URL: `${sim.url}/v1` }, 60_000)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--all and --limit exclude each other')
  }, 90_000)
})
