import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { evalRunCommand } from '../src/eval-command'
import { EvalRecordSchema } from '../src/eval-record'
import { DATASET, LOCK_FILE, PROMPTS_FILE, captureContext, inspectHtml, nearestRank, readJsonl, tempDir } from './eval-fixtures'

// Acceptance 1: a run over a slice of the shipped dataset with two rationale versions writes the
// four files, and summary.json agrees with an independent recount of records.jsonl.
const ITEMS = 80
const ARMS = ['rationale@1.0.0', 'rationale@1.1.0']

let sim: LexiSim
let dir: string
let code: number
let ctx: ReturnType<typeof captureContext>

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 5, faults: { invalid_json: 0.15, truncated_json: 0.05 } })
  const out = await tempDir()
  ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, LLM_TIMEOUT_MS: '20000' })
  code = await evalRunCommand(
    [
      '--dataset',
      DATASET,
      '--limit',
      String(ITEMS),
      '--prompts-file',
      PROMPTS_FILE,
      '--prompt',
      ARMS[0] as string,
      '--prompt',
      ARMS[1] as string,
      '--out',
      out,
      '--run-id',
      'acceptance-1',
      '--min-schema-valid',
      '0.5',
    ],
    ctx,
  )
  dir = join(out, 'acceptance-1')
}, 120_000)

afterAll(async () => {
  await sim?.close()
})

describe('eval run against the simulator', () => {
  test('writes records.jsonl, summary.json, manifest.json and report.html and passes a met gate', async () => {
    expect(code, ctx.stderr.join('\n')).toBe(0)
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'records.jsonl', 'report.html', 'summary.json'])
    expect(ctx.stdout[0]).toContain(dir)
  })

  test('summary.json numbers match a recount from records.jsonl', async () => {
    const records = await readJsonl(join(dir, 'records.jsonl'))
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'))
    expect(records).toHaveLength(ITEMS * ARMS.length)
    for (const r of records) EvalRecordSchema.strict().parse(r)
    expect(summary.calls).toBe(records.length)
    expect(summary.items).toBe(ITEMS)
    expect(Object.keys(summary.versions)).toEqual(ARMS)
    for (const arm of ARMS) {
      const rs = records.filter((r) => r.arm === arm)
      const v = summary.versions[arm]
      const n = rs.length
      expect(n).toBe(ITEMS)
      expect(new Set(rs.map((r) => r.item_id)).size).toBe(ITEMS)
      expect(v.calls).toBe(n)
      expect(v.ok).toBe(rs.filter((r) => r.ok).length)
      expect(v.errors).toBe(rs.filter((r) => r.error_code !== null).length)
      expect(v.repaired).toBe(rs.filter((r) => r.repaired).length)
      for (const flag of ['json_valid_first_try', 'json_valid_after_repair', 'schema_valid_first_try', 'schema_valid']) {
        const c = rs.filter((r) => r[flag] === true).length
        expect(v[flag], flag).toEqual({ count: c, rate: c / n })
      }
      const lat = rs.map((r) => r.latency_ms)
      expect(v.latency_ms.p50).toBe(nearestRank(lat, 50))
      expect(v.latency_ms.p95).toBe(nearestRank(lat, 95))
      expect(v.latency_ms.p99).toBe(nearestRank(lat, 99))
      expect(v.latency_ms.max).toBe(Math.max(...lat))
      const promptTokens = rs.reduce((s, r) => s + r.tokens.prompt, 0)
      const completionTokens = rs.reduce((s, r) => s + r.tokens.completion, 0)
      expect(v.tokens.prompt).toBe(promptTokens)
      expect(v.tokens.completion).toBe(completionTokens)
      const span = (Math.max(...rs.map((r) => r.finished_ms)) - Math.min(...rs.map((r) => r.started_ms))) / 1000
      expect(v.throughput_rps).toBeCloseTo(n / span, 6)
      const mix: Record<string, number> = {}
      for (const r of rs) mix[r.decision ?? 'none'] = (mix[r.decision ?? 'none'] ?? 0) + 1
      for (const [d, c] of Object.entries(v.decisions)) expect(c, d).toBe(mix[d] ?? 0)
      expect(Object.values(v.decisions).reduce((s: number, c) => s + (c as number), 0)).toBe(n)
      const errs: Record<string, number> = {}
      for (const r of rs) if (r.error_code !== null) errs[r.error_code] = (errs[r.error_code] ?? 0) + 1
      expect(v.errors_by_code).toEqual(errs)
      const withOutcome = rs.filter((r) => r.realized_return !== null && r.decision !== null)
      const up = withOutcome.filter((r) => r.decision === 'confident_up')
      const other = withOutcome.filter((r) => r.decision !== 'confident_up')
      expect(v.outcomes.groups.confident_up.n).toBe(up.length)
      expect(v.outcomes.groups.confident_up.hits).toBe(up.filter((r) => r.realized_return > 0).length)
      expect(v.outcomes.groups.other.n).toBe(other.length)
      expect(v.outcomes.groups.other.hits).toBe(other.filter((r) => r.realized_return > 0).length)
      if (other.length > 0) expect(v.outcomes.groups.other.mean_return).toBeCloseTo(other.reduce((s, r) => s + r.realized_return, 0) / other.length, 12)
      expect((summary.latency_histogram.counts[arm] as number[]).reduce((s, c) => s + c, 0)).toBe(n)
    }
    // The faults must have produced repairs, or the validity figures would check nothing.
    expect(records.some((r) => r.repaired)).toBe(true)
    expect(records.some((r) => !r.json_valid_first_try)).toBe(true)
  })

  test('the comparison of the two versions matches a recount of the paired items', async () => {
    const records = await readJsonl(join(dir, 'records.jsonl'))
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'))
    const byItem = new Map<string, Record<string, any>>() // eslint-disable-line @typescript-eslint/no-explicit-any -- raw record lines
    for (const r of records.filter((x) => x.arm === ARMS[1])) byItem.set(r.item_id, r)
    const pairs = records.filter((x) => x.arm === ARMS[0]).map((a) => [a, byItem.get(a.item_id)] as const)
    const decided = pairs.filter(([a, b]) => a.decision !== null && b?.decision != null)
    const c = summary.comparisons[0]
    expect(summary.comparisons).toHaveLength(1)
    expect([c.a, c.b]).toEqual(ARMS)
    expect(c.pairs).toBe(ITEMS)
    expect(c.agreement.both_decided).toBe(decided.length)
    expect(c.agreement.agree).toBe(decided.filter(([a, b]) => a.decision === b?.decision).length)
    for (const flag of ['json_valid_first_try', 'schema_valid']) {
      expect(c.mcnemar[flag].a_only).toBe(pairs.filter(([a, b]) => a[flag] && !b?.[flag]).length)
      expect(c.mcnemar[flag].b_only).toBe(pairs.filter(([a, b]) => !a[flag] && b?.[flag]).length)
      expect(c.mcnemar[flag].p_value).toBeGreaterThan(0)
      expect(c.mcnemar[flag].p_value).toBeLessThanOrEqual(1)
    }
  })

  test('manifest.json records the dataset hash, prompt hashes, the served model and the git revision', async () => {
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
    const lock = JSON.parse(await readFile(LOCK_FILE, 'utf8'))
    expect(m.dataset.file_sha256).toBe(
      createHash('sha256')
        .update(await readFile(DATASET))
        .digest('hex'),
    )
    expect(m.dataset.items).toBe(ITEMS)
    expect(m.dataset.items_sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(m.prompts.map((p: { prompt: string; version: string }) => `${p.prompt}@${p.version}`)).toEqual(ARMS)
    for (const p of m.prompts) expect(p.hash).toBe(lock[`${p.prompt}@${p.version}`])
    expect(m.model).toMatchObject({ id: 'Lexi', root: 'Qwen/Qwen2.5-32B-Instruct', max_model_len: 4096 })
    expect(m.git_revision).toMatch(/^([0-9a-f]{40}|unknown)$/)
    expect(m.options).toMatchObject({ use_cache: false, limit: ITEMS, concurrency: 64 })
    expect(Date.parse(m.finished_at)).toBeGreaterThanOrEqual(Date.parse(m.started_at))
  })

  test('report.html holds a latency histogram per version, validity bars and the decision mix, with no external reference', async () => {
    const page = inspectHtml(await readFile(join(dir, 'report.html'), 'utf8'))
    expect(page.charts.filter((c) => c.kind === 'latency').map((c) => c.title)).toEqual(ARMS.map((a) => `Latency histogram of ${a}`))
    expect(page.charts.filter((c) => c.kind === 'validity')).toHaveLength(1)
    expect(page.charts.filter((c) => c.kind === 'decisions')).toHaveLength(1)
    for (const c of page.charts) expect(c.rects, c.title).toBeGreaterThan(0)
    expect(page.externalRefs).toEqual([])
    expect(page.forbiddenTags).toEqual([])
  })
})
