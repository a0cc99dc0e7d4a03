import type { EvalRecord } from './eval-record'
import type { EvalManifest } from './manifest'
import { ITEMS_STYLE, itemsSection } from './report-items'
import type { EvalSummary } from './summarize'
import { decisionMixSvg, latencyHistogramSvg, validityBarsSvg } from './svg-charts'
import { esc } from './svg-kit'

const VALIDITY_SERIES = ['JSON first try', 'JSON after repair', 'schema first try', 'schema final']

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;max-width:1150px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.meta td{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{border:1px solid #eee;background:#fff}
.muted{color:#666;font-size:12px}pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px}
.simulated{background:#C00;color:#fff;font-size:22px;font-weight:bold;padding:14px 18px;margin:0 0 16px;border:4px solid #700}
.simulated small{display:block;font-size:13px;font-weight:normal;margin-top:4px}
${ITEMS_STYLE}`

/** Two decimals: 5042 of 5044 must not read as 100%. */
const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(2)}%`)
const ms = (v: number | null): string => (v === null ? 'n/a' : `${Math.round(v)}`)
const fx = (v: number | null, d = 2): string => (v === null ? 'n/a' : v.toFixed(d))
const row = (cells: readonly string[], th = false): string => `<tr>${cells.map((c) => (th ? `<th>${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`

function versionsTable(s: EvalSummary): string {
  const head = [
    'version',
    'calls',
    'JSON 1st try',
    'JSON after repair',
    'schema 1st try',
    'schema final',
    'repaired',
    'errors',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'calls/s',
    'tokens in/out',
  ]
  const rows = Object.entries(s.versions).map(([label, v]) =>
    row([
      label,
      String(v.calls),
      pct(v.json_valid_first_try.rate),
      pct(v.json_valid_after_repair.rate),
      pct(v.schema_valid_first_try.rate),
      pct(v.schema_valid.rate),
      String(v.repaired),
      String(v.errors),
      ms(v.latency_ms.p50),
      ms(v.latency_ms.p95),
      ms(v.latency_ms.p99),
      fx(v.throughput_rps, 1),
      `${v.tokens.prompt}/${v.tokens.completion}`,
    ]),
  )
  return `<table>${row(head, true)}${rows.join('')}</table>${groundingTable(s)}`
}

/** Rationale versions: how many answers cite only numbers found in their inputs. */
function groundingTable(s: EvalSummary): string {
  const rows = Object.entries(s.versions).flatMap(([label, v]) =>
    v.grounded == null ? [] : [row([label, String(v.grounded.of), pct(v.grounded.rate), String(v.grounded.cited), String(v.grounded.unmatched)])],
  )
  if (rows.length === 0) return ''
  return (
    `<table class="grounding">${row(['rationale version', 'schema-valid answers', 'grounded', 'numbers cited', 'numbers unmatched'], true)}${rows.join('')}</table>` +
    '<p class="muted">Grounded: every number the rationale cites (summary, drivers, risks) is one of its inputs, with the conversions the prompt allows (docs/decisions.md).</p>'
  )
}

function comparisonsTable(s: EvalSummary): string {
  if (s.comparisons.length === 0) return '<p class="muted">Only one version per prompt: no comparison.</p>'
  const head = ['versions', 'pairs', 'agreement', 'McNemar JSON 1st try (A only / B only, p)', 'McNemar schema final (A only / B only, p)']
  const rows = s.comparisons.map((c) =>
    row([
      `${c.a} vs ${c.b}`,
      String(c.pairs),
      `${pct(c.agreement.rate)} of ${c.agreement.both_decided}`,
      `${c.mcnemar.json_valid_first_try.a_only} / ${c.mcnemar.json_valid_first_try.b_only}, p=${fx(c.mcnemar.json_valid_first_try.p_value, 4)}`,
      `${c.mcnemar.schema_valid.a_only} / ${c.mcnemar.schema_valid.b_only}, p=${fx(c.mcnemar.schema_valid.p_value, 4)}`,
    ]),
  )
  return `<table>${row(head, true)}${rows.join('')}</table><p class="muted">Exact two-sided McNemar test on paired items (binomial on the discordant pairs).</p>`
}

function outcomesTable(s: EvalSummary): string {
  const rows: string[] = []
  const defs = new Set<string>()
  for (const [label, v] of Object.entries(s.versions)) {
    if (v.outcomes === null) continue
    defs.add(v.outcomes.definition)
    for (const [g, o] of Object.entries(v.outcomes.groups)) {
      rows.push(row([label, g, String(o.n), pct(o.hit_rate), o.mean_return === null ? 'n/a' : `${(o.mean_return * 100).toFixed(3)}%`]))
    }
  }
  if (rows.length === 0) return '<p class="muted">No realized returns in this dataset.</p>'
  return (
    `<table>${row(['version', 'group', 'n', 'hit rate', 'mean realized return'], true)}${rows.join('')}</table>` +
    [...defs].map((d) => `<p class="muted">${esc(d)}</p>`).join('')
  )
}

/** The strata of a sampled run, folded. */
function sampleDetails(m: EvalManifest): string {
  const sample = m.dataset.sample
  if (!sample) return ''
  return (
    `<details><summary>sample: ${sample.size} of ${sample.population} items, seed ${sample.seed}, ${sample.strata.length} strata</summary>` +
    `<p class="muted">Strata: ${esc(sample.definition)}. One item per stratum first, the rest in proportion to the strata's sizes; within a stratum the smallest sha256(seed:id).</p>` +
    `<table>${row(['stratum', 'items', 'drawn'], true)}${sample.strata.map((x) => row([x.key, String(x.population), String(x.sampled)])).join('')}</table></details>`
  )
}

function simulatedBanner(m: EvalManifest): string {
  if (!m.simulated?.simulated) return ''
  return (
    `<div class="simulated" role="alert" id="simulated">${esc(m.simulated.label ?? 'SIMULATED')}` +
    `<small>The endpoint is a simulator (${esc(m.simulated.evidence.join('; '))}): its answers are made up from the request, ` +
    'so validity, decisions and outcomes below say nothing about any model. Use such a run to check the pipeline, never to promote a prompt.</small></div>'
  )
}

/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no external resource). With
 * the records it ends with the per-item table (filterable to failures and disagreements).
 */
export function renderReport(s: EvalSummary, m: EvalManifest, records: readonly EvalRecord[] = []): string {
  const sim = m.simulated?.simulated === true
  const labels = Object.keys(s.versions)
  const latency = labels.map((l, i) => latencyHistogramSvg(l, i, s.latency_histogram, s.versions[l]?.latency_ms ?? { p50: null, p95: null })).join('')
  const validity = validityBarsSvg(
    labels.map((l) => {
      const v = s.versions[l]
      return { label: l, values: v ? [v.json_valid_first_try.rate, v.json_valid_after_repair.rate, v.schema_valid_first_try.rate, v.schema_valid.rate] : [] }
    }),
    VALIDITY_SERIES,
  )
  const prompts = [...new Set(Object.values(s.versions).map((v) => v.prompt))]
  const mixes = prompts
    .map((p) =>
      decisionMixSvg(
        p,
        Object.entries(s.versions)
          .filter(([, v]) => v.prompt === p)
          .map(([l, v]) => ({ label: l, mix: v.decisions })),
      ),
    )
    .join('')
  const meta: Array<[string, string]> = [
    ['run', s.run_id],
    ['started / finished', `${m.started_at} / ${m.finished_at}`],
    [
      'model',
      `${sim ? `${m.simulated.label}: lexi-sim serving "${m.model.id}"` : `${m.model.id}${m.model.root ? ` (${m.model.root})` : ''}`}, max_model_len ${m.model.max_model_len ?? 'n/a'}`,
    ],
    ['git revision', `${m.git_revision}${m.git_dirty ? ' (uncommitted changes)' : ''}`],
    [
      'dataset',
      `${m.dataset.source} ${m.dataset.location}: ${m.dataset.items} items, ${m.dataset.items_with_outcome} with realized return` +
        `${m.dataset.fallback ? ` (bundled dataset: ${m.dataset.fallback})` : ''}` +
        `${m.dataset.sample ? `; stratified sample of ${m.dataset.sample.population} (seed ${m.dataset.sample.seed}, ${m.dataset.sample.strata.length} strata)` : ''}` +
        `${m.dataset.rerun_of ? `; the failed calls of ${m.dataset.rerun_of}` : ''}`,
    ],
    ['dataset sha256', `file ${m.dataset.file_sha256 ?? 'n/a'}, items ${m.dataset.items_sha256}`],
    ['prompts', m.prompts.map((p) => `${p.prompt}@${p.version} ${p.hash.slice(0, 12)}`).join(', ')],
    ['calls', `${s.calls} in ${(s.wall_ms / 1000).toFixed(1)} s (${fx(s.throughput_rps, 1)} calls/s)${s.incomplete ? ', INCOMPLETE (interrupted)' : ''}`],
  ]
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${sim ? `${esc(m.simulated.label ?? '')}: ` : ''}LLM eval ${esc(s.run_id)}</title><style>${STYLE}</style></head>
<body>
${simulatedBanner(m)}<h1>${sim ? 'SIMULATED ' : ''}LLM evaluation ${esc(s.run_id)}</h1>
<table class="meta">${meta.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>${sampleDetails(m)}
<h2>Per version</h2>${versionsTable(s)}
<h2>Validity</h2><div class="charts">${validity}</div>
<h2>Latency</h2><div class="charts">${latency}</div>
<h2>Decisions</h2><div class="charts">${mixes}</div>
<p class="muted">rationale decisions: confident_up / confident_down when confidence &ge; ${s.confident_min} (direction from the forecast's p_up), else unsure; none = no valid answer.</p>
<h2>Versions compared</h2>${comparisonsTable(s)}
<h2>Outcomes</h2>${outcomesTable(s)}
<h2 id="items">Items</h2>${itemsSection(records, labels)}
<h2>Options</h2><pre>${esc(JSON.stringify(m.options, null, 2))}</pre>
</body></html>
`
}
