import type { LlmInputs } from '@pulsetrade/llm'
import type { EvalRecord } from './eval-record'
import { esc } from './svg-kit'

/** Items without a failure or a disagreement shown at most (records.jsonl has them all). */
export const MAX_PLAIN_ROWS = 500

/** The CSS of the per-item table and its filter (radio buttons and sibling selectors: no script). */
export const ITEMS_STYLE = `.items{font-size:12px;width:100%}.items td,.items th{text-align:left;vertical-align:top}
.items td.bad{background:#fdecea}.items tr.fail td:first-child{border-left:4px solid #C00}
.items tr.disagree td:first-child{border-right:4px solid #E69F00}.items pre{margin:4px 0;white-space:pre-wrap;max-width:420px}
.filter label{margin-right:14px;cursor:pointer}.filter input{margin-right:4px}
#show-fail:checked~table.items tbody tr:not(.fail){display:none}
#show-disagree:checked~table.items tbody tr:not(.disagree){display:none}
.ok{color:#1a7f37}.no{color:#C00;font-weight:bold}`

/** A record that did not give a usable answer: not schema-valid, or an error code. */
export const isFailed = (r: EvalRecord): boolean => !r.schema_valid || r.error_code !== null

interface ItemRow {
  id: string
  inputs: LlmInputs
  byArm: Map<string, EvalRecord>
  fail: boolean
  disagree: boolean
}

/** Items in asof order, each with its record per arm; disagreement = two versions of one prompt decided differently. */
export function itemRows(records: readonly EvalRecord[], arms: readonly string[]): ItemRow[] {
  const rows = new Map<string, ItemRow>()
  for (const r of records) {
    const row = rows.get(r.item_id) ?? { id: r.item_id, inputs: r.inputs, byArm: new Map(), fail: false, disagree: false }
    row.byArm.set(r.arm, r)
    if (isFailed(r)) row.fail = true
    rows.set(r.item_id, row)
  }
  for (const row of rows.values()) {
    const byPrompt = new Map<string, Set<string>>()
    for (const arm of arms) {
      const r = row.byArm.get(arm)
      if (r?.decision == null) continue
      const set = byPrompt.get(r.prompt) ?? new Set()
      set.add(r.decision)
      byPrompt.set(r.prompt, set)
    }
    row.disagree = [...byPrompt.values()].some((s) => s.size > 1)
  }
  return [...rows.values()].sort((a, b) => (a.inputs.asof < b.inputs.asof ? -1 : a.inputs.asof > b.inputs.asof ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

const fmt = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : String(v))

function inputCell(i: LlmInputs): string {
  const f = i.forecast
  const order = i.order === null ? 'no order' : `${i.order.side} ${i.order.qty} @ ${fmt(i.order.ref_price, 2)}`
  const line = `p_up ${fmt(f.p_up, 3)} · mu ${fmt(f.mu * 100, 3)}% · sigma ${fmt(f.sigma * 100, 3)}% · ${order}`
  return `<td>${esc(line)}<details><summary>inputs</summary><pre>${esc(JSON.stringify(i, null, 2))}</pre></details></td>`
}

/** The answer's own words: rationale summary, policy reason. */
function gist(parsed: unknown): string | null {
  const p = parsed as { summary?: unknown; reason?: unknown; size_factor?: unknown } | null
  if (typeof p?.summary === 'string') return p.summary
  if (typeof p?.reason === 'string') return `${p.reason}${typeof p.size_factor === 'number' ? ` (size_factor ${fmt(p.size_factor, 2)})` : ''}`
  return null
}

function answerCell(r: EvalRecord | undefined): string {
  if (r === undefined) return '<td class="muted">not run</td>'
  const mark = (ok: boolean, what: string): string => `<span class="${ok ? 'ok' : 'no'}">${ok ? '✓' : '✗'} ${what}</span>`
  const validity = [
    mark(r.json_valid_first_try, 'JSON 1st try'),
    mark(r.schema_valid, 'schema'),
    r.repaired ? '<span>repaired</span>' : '',
    r.error_code !== null ? `<span class="no">${esc(r.error_code)}</span>` : '',
  ]
    .filter((s) => s !== '')
    .join(' ')
  const decision = `<b>${esc(r.decision ?? 'none')}</b>${r.score === null ? '' : ` ${fmt(r.score, 2)}`}`
  const said = gist(r.parsed)
  const final = r.parsed !== null ? JSON.stringify(r.parsed, null, 2) : (r.raw ?? '(no answer)')
  const first =
    r.repaired && r.first_raw !== null && r.first_raw !== r.raw ? `<div class="muted">first answer (before repair):</div><pre>${esc(r.first_raw)}</pre>` : ''
  const error = r.error_message !== null ? `<div class="muted">${esc(r.error_message)}</div>` : ''
  return (
    `<td${isFailed(r) ? ' class="bad"' : ''}>${decision} ${validity}${said === null ? '' : `<div>${esc(said)}</div>`}${error}` +
    `<details${isFailed(r) ? ' open' : ''}><summary>answer</summary><pre>${esc(final)}</pre>${first}</details></td>`
  )
}

/** The per-item table with its filter: input, each version's answer side by side, validity, decision. */
export function itemsSection(records: readonly EvalRecord[], arms: readonly string[]): string {
  if (records.length === 0) return '<p class="muted">No records.</p>'
  const all = itemRows(records, arms)
  const fails = all.filter((r) => r.fail).length
  const disagreements = all.filter((r) => r.disagree).length
  let plain = 0
  const shown = all.filter((r) => r.fail || r.disagree || plain++ < MAX_PLAIN_ROWS)
  const left = all.length - shown.length
  const head = `<tr><th>item</th><th>input</th>${arms.map((a) => `<th>${esc(a)}</th>`).join('')}</tr>`
  const body = shown
    .map((row) => {
      const cls = [row.fail ? 'fail' : '', row.disagree ? 'disagree' : ''].filter((c) => c !== '').join(' ')
      return (
        `<tr${cls === '' ? '' : ` class="${cls}"`} data-item="${esc(row.id)}"><td>${esc(row.inputs.symbol)}<br>${esc(row.inputs.asof.slice(0, 10))}<br><span class="muted">${esc(row.id)}</span></td>` +
        `${inputCell(row.inputs)}${arms.map((a) => answerCell(row.byArm.get(a))).join('')}</tr>`
      )
    })
    .join('\n')
  return (
    `<p class="muted">${all.length} items; ${fails} with a failed or errored call (red), ${disagreements} where two versions of a prompt decided differently (orange).` +
    `${left > 0 ? ` ${left} items without either are not shown (the first ${MAX_PLAIN_ROWS} are); records.jsonl has every call.` : ''}</p>
<div class="filter">
<input type="radio" name="item-filter" id="show-all" checked><label for="show-all">all (${shown.length})</label>
<input type="radio" name="item-filter" id="show-fail"><label for="show-fail">failures (${fails})</label>
<input type="radio" name="item-filter" id="show-disagree"><label for="show-disagree">disagreements (${disagreements})</label>
<table class="items"><thead>${head}</thead><tbody>
${body}
</tbody></table>
</div>`
  )
}
