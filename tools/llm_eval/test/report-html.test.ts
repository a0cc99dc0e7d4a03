import { describe, expect, test } from 'vitest'
import type { EvalManifest } from '../src/manifest'
import { renderReport } from '../src/report-html'
import { summarize } from '../src/summarize'
import { parseDocument, DomUtils } from 'htmlparser2'
import { inspectHtml } from './eval-fixtures'
import { INPUTS, record, target } from './record-builders'

const targets = [target('rationale', '1.0.0'), target('rationale', '1.1.0'), target('policy', '1.0.0')]

function manifest(over: Partial<EvalManifest> = {}): EvalManifest {
  return {
    run_id: 'r1',
    started_at: '2025-01-01T00:00:00.000Z',
    finished_at: '2025-01-01T00:01:00.000Z',
    git_revision: 'unknown',
    git_dirty: null,
    dataset: {
      source: 'jsonl',
      location: 'd.jsonl',
      file_sha256: 'a'.repeat(64),
      items_sha256: 'b'.repeat(64),
      items: 40,
      items_with_outcome: 40,
      fallback: null,
      sample: null,
      rerun_of: null,
    },
    prompts: targets.map((t) => ({ prompt: t.prompt, version: t.version, hash: t.hash, locked_hash: null })),
    model: { id: 'Lexi', root: 'Qwen/Qwen2.5-32B-Instruct', owned_by: 'vllm', max_model_len: 4096, base_url: 'http://127.0.0.1:8008/v1' },
    simulated: { simulated: false, label: null, evidence: [] },
    options: { base_urls: ['http://127.0.0.1:8008/v1'] },
    node: 'v20',
    ...over,
  }
}

function summary() {
  const records = targets.flatMap((t, ti) =>
    Array.from({ length: 40 }, (_, i) =>
      record(t, `i${i}`, {
        latency_ms: 50 + ((i * 37 + ti * 11) % 400),
        json_valid_first_try: i % 5 !== 0,
        decision: t.prompt === 'policy' ? (i % 3 === 0 ? 'deny' : 'allow') : i % 4 === 0 ? 'unsure' : 'confident_up',
      }),
    ),
  )
  return summarize({ runId: 'r1', targets, items: Array.from({ length: 40 }, () => ({ realized_return: 0.01 })), records, wallMs: 1000, confidentMin: 0.6 })
}

describe('report.html', () => {
  test('has one latency histogram per version, the validity bars and one decision mix per prompt, each drawn', () => {
    const page = inspectHtml(renderReport(summary(), manifest()))
    expect(page.charts.filter((c) => c.kind === 'latency').map((c) => c.title)).toEqual(targets.map((t) => `Latency histogram of ${t.label}`))
    expect(page.charts.filter((c) => c.kind === 'validity')).toHaveLength(1)
    expect(page.charts.filter((c) => c.kind === 'decisions').map((c) => c.title)).toEqual([
      'Decision mix of rationale per version',
      'Decision mix of policy per version',
    ])
    for (const c of page.charts) expect(c.rects, c.title).toBeGreaterThan(3)
  })

  test('references nothing outside the file: no scripts, stylesheets, images or URLs in attributes', () => {
    const html = renderReport(summary(), manifest())
    const page = inspectHtml(html)
    expect(page.externalRefs).toEqual([])
    expect(page.forbiddenTags).toEqual([])
    // The base URL is shown as text only.
    expect(html).toContain('http://127.0.0.1:8008/v1')
  })

  test('escapes text from the data, so a hostile dataset path cannot inject markup', () => {
    const html = renderReport(summary(), manifest({ dataset: { ...manifest().dataset, location: '<script src="https://x.example/a.js"></script>' } }))
    const page = inspectHtml(html)
    expect(page.forbiddenTags).toEqual([])
    expect(html).toContain('&lt;script')
  })

  test('the inspector used above does flag an external reference (guards against a vacuous check)', () => {
    const page = inspectHtml('<html><head><link rel="stylesheet" href="https://cdn.example/x.css"></head><body><img src="//x/y.png"></body></html>')
    expect(page.externalRefs).toHaveLength(2)
    expect(page.forbiddenTags).toEqual(['link', 'img'])
  })

  test('a run against a real server has no SIMULATED banner; a simulated one has it first, in the title and in the model row', () => {
    expect(renderReport(summary(), manifest())).not.toContain('SIMULATED')
    const html = renderReport(
      summary(),
      manifest({ simulated: { simulated: true, label: 'SIMULATED — not a model evaluation', evidence: ['x: GET /version says simulator "lexi-sim"'] } }),
    )
    const doc = parseDocument(html)
    const body = DomUtils.findOne((e) => e.name === 'body', doc.children)
    const first = body?.children.find((c) => c.type === 'tag') as { attribs: Record<string, string> } | undefined
    expect(first?.attribs.class).toBe('simulated')
    expect(html).toContain('<title>SIMULATED — not a model evaluation: LLM eval r1</title>')
    expect(html).toContain('SIMULATED — not a model evaluation: lexi-sim serving &quot;Lexi&quot;')
  })
})

describe('report.html per-item table', () => {
  const a = target('rationale', '1.0.0')
  const b = target('rationale', '1.1.0')
  const p = target('policy', '1.0.0')
  const item = (i: number) => ({ ...INPUTS, asof: `2020-01-${String(i + 1).padStart(2, '0')}T00:00:00.000Z` })
  // i0: all agree; i1: a and b disagree; i2: b failed; i3: policy errored.
  const records = [0, 1, 2, 3].flatMap((i) => [
    record(a, `i${i}`, { inputs: item(i), decision: 'confident_up', parsed: { summary: `a says ${i}` } }),
    record(
      b,
      `i${i}`,
      i === 2
        ? {
            inputs: item(i),
            schema_valid: false,
            ok: false,
            decision: null,
            parsed: null,
            raw: 'not json at all',
            first_raw: 'not json at all',
            error_code: 'LLM_ERR_INVALID_JSON',
            error_message: 'no JSON',
          }
        : { inputs: item(i), decision: i === 1 ? 'unsure' : 'confident_up', parsed: { summary: `b says ${i}` } },
    ),
    record(
      p,
      `i${i}`,
      i === 3
        ? {
            inputs: item(i),
            ok: false,
            schema_valid: false,
            decision: null,
            parsed: null,
            raw: null,
            first_raw: null,
            error_code: 'LLM_ERR_TIMEOUT',
            error_message: 'timeout after 20000 ms',
          }
        : { inputs: item(i), decision: 'allow', parsed: { reason: `ok ${i}`, size_factor: 1 } },
    ),
  ])
  const s = summarize({ runId: 'r1', targets: [a, b, p], items: [0, 1, 2, 3].map(() => ({ realized_return: 0.01 })), records, wallMs: 10, confidentMin: 0.6 })
  const html = renderReport(s, manifest(), records)
  const doc = parseDocument(html)
  const rows = DomUtils.findAll((e) => e.name === 'tr' && e.attribs['data-item'] !== undefined, doc.children)

  test('marks failed items and disagreements, so the radio filters can hide the rest (no script)', () => {
    expect(rows.map((r) => [r.attribs['data-item'], r.attribs.class ?? ''])).toEqual([
      ['i0', ''],
      ['i1', 'disagree'],
      ['i2', 'fail'],
      ['i3', 'fail'],
    ])
    for (const id of ['show-all', 'show-fail', 'show-disagree'])
      expect(DomUtils.findOne((e) => e.attribs.id === id && e.attribs.type === 'radio', doc.children)).not.toBeNull()
    expect(html).toContain('#show-fail:checked~table.items tbody tr:not(.fail){display:none}')
    expect(html).toContain('#show-disagree:checked~table.items tbody tr:not(.disagree){display:none}')
    expect(inspectHtml(html).forbiddenTags).toEqual([])
  })

  test("shows each version's words, the raw text of an invalid answer and the error", () => {
    const cells = (id: string) =>
      DomUtils.findAll((e) => e.name === 'td' && (e.parent as { attribs?: Record<string, string> } | null)?.attribs?.['data-item'] === id, doc.children).map(
        (c) => DomUtils.textContent(c),
      )
    expect(cells('i1')[2]).toContain('a says 1')
    expect(cells('i1')[3]).toContain('b says 1')
    expect(cells('i1')[3]).toContain('unsure')
    expect(cells('i2')[3]).toContain('not json at all')
    expect(cells('i2')[3]).toContain('✗ schema')
    expect(cells('i3')[4]).toContain('LLM_ERR_TIMEOUT')
    expect(cells('i3')[4]).toContain('timeout after 20000 ms')
    expect(cells('i0')[4]).toContain('ok 0 (size_factor 1.00)')
  })
})
