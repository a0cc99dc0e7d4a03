import { describe, expect, test } from 'vitest'
import type { EvalManifest } from '../src/manifest'
import { renderReport } from '../src/report-html'
import { summarize } from '../src/summarize'
import { inspectHtml } from './eval-fixtures'
import { record, target } from './record-builders'

const targets = [target('rationale', '1.0.0'), target('rationale', '1.1.0'), target('policy', '1.0.0')]

function manifest (over: Partial<EvalManifest> = {}): EvalManifest {
  return {
    run_id: 'r1', started_at: '2025-01-01T00:00:00.000Z', finished_at: '2025-01-01T00:01:00.000Z', git_revision: 'unknown', git_dirty: null,
    dataset: { source: 'jsonl', location: 'd.jsonl', file_sha256: 'a'.repeat(64), items_sha256: 'b'.repeat(64), items: 40, items_with_outcome: 40, fallback: null, sample: null, rerun_of: null },
    prompts: targets.map((t) => ({ prompt: t.prompt, version: t.version, hash: t.hash, locked_hash: null })),
    model: { id: 'Lexi', root: 'Qwen/Qwen2.5-32B-Instruct', owned_by: 'vllm', max_model_len: 4096, base_url: 'http://127.0.0.1:8008/v1' },
    simulated: { simulated: false, label: null, evidence: [] },
    options: { base_urls: ['http://127.0.0.1:8008/v1'] },
    node: 'v20',
    ...over,
  }
}

function summary () {
  const records = targets.flatMap((t, ti) => Array.from({ length: 40 }, (_, i) => record(t, `i${i}`, {
    latency_ms: 50 + ((i * 37 + ti * 11) % 400),
    json_valid_first_try: i % 5 !== 0,
    decision: t.prompt === 'policy' ? (i % 3 === 0 ? 'deny' : 'allow') : (i % 4 === 0 ? 'unsure' : 'confident_up'),
  })))
  return summarize({ runId: 'r1', targets, items: Array.from({ length: 40 }, () => ({ realized_return: 0.01 })), records, wallMs: 1000, confidentMin: 0.6 })
}

describe('report.html', () => {
  test('has one latency histogram per version, the validity bars and one decision mix per prompt, each drawn', () => {
    const page = inspectHtml(renderReport(summary(), manifest()))
    expect(page.charts.filter((c) => c.kind === 'latency').map((c) => c.title)).toEqual(targets.map((t) => `Latency histogram of ${t.label}`))
    expect(page.charts.filter((c) => c.kind === 'validity')).toHaveLength(1)
    expect(page.charts.filter((c) => c.kind === 'decisions').map((c) => c.title)).toEqual([
      'Decision mix of rationale per version', 'Decision mix of policy per version',
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
})
