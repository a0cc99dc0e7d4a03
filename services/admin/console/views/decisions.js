// Decisions: recent forecasts with the gate's verdict, filterable, paginated by the server (keyset
// on id: `before`). The first page refreshes every poll_ms.decisions; older pages stay put. A row
// opens the stored rationale, policy answer, raw model text and prompt, and replays it with force.
import { api, describe, withQuery } from '../api.js'
import { badge, dl, fmt, h, keysetPager, replaceKeepFocus, table } from '../dom.js'

const PAGE = 50
const VERDICTS = ['allow', 'deny', 'reduce_only_allowed', 'no_order', 'pending']
const MODES = ['enforce', 'shadow']

/** An order's gate: its effective verdict and reason code; the whole object on hover. */
const gateCell = (o) => {
  const g = o.gate ?? {}
  const text = [g.effective, g.reason_code, g.would].filter((x) => typeof x === 'string').join(' · ')
  return h('span', { title: JSON.stringify(g) }, text || '—')
}

/** Drivers, risks and confidence of the parsed rationale, and the whole of it on request. */
function rationaleExtras(r) {
  if (!r) return null
  const list = (label, xs) =>
    Array.isArray(xs) && xs.length
      ? [
          h('h5', {}, label),
          h(
            'ul',
            {},
            xs.map((x) => h('li', {}, typeof x === 'string' ? x : JSON.stringify(x))),
          ),
        ]
      : null
  return [
    typeof r.confidence === 'number' ? h('p', {}, `Confidence ${fmt.num(r.confidence, 2)}`) : null,
    list('Drivers', r.drivers),
    list('Risks', r.risks),
    h('details', {}, h('summary', {}, 'Whole rationale answer (with its prompt and grounding)'), h('pre', { tabindex: '0' }, fmt.json(r))),
  ]
}

const proposed = (p) => (p ? `${p.side} ${fmt.num(p.qty, 4)}` : '—')

function select(id, label, options) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name: id },
      h('option', { value: '' }, 'any'),
      options.map((o) => h('option', { value: o }, o)),
    ),
  )
}

export const decisionsView = {
  title: 'Decisions',
  poll: 'decisions',
  mount(root, ctx, arg) {
    const filters = { symbol: '', verdict: '', mode: '' }
    let lastKey = ''

    const form = h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter decisions' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'f-symbol' }, 'Symbol'),
        h('input', { id: 'f-symbol', name: 'symbol', type: 'search', autocomplete: 'off', placeholder: 'e.g. SPX', maxlength: '32', spellcheck: 'false' }),
      ),
      select('f-verdict', 'Verdict', VERDICTS),
      select('f-mode', 'Mode', MODES),
      h('button', { type: 'submit' }, 'Apply'),
    )
    const status = h('p', { class: 'muted updated', 'aria-live': 'polite' })
    const list = h('div', { id: 'decisions-list' }, h('p', { class: 'muted' }, 'Loading…'))
    const pager = keysetPager('page', () => refresh(true).catch(showError))
    const dialog = h('dialog', { id: 'decision-dialog', class: 'detail', 'aria-labelledby': 'decision-title' })
    root.append(form, status, list, pager.element, dialog)

    form.addEventListener('submit', (ev) => {
      ev.preventDefault()
      filters.symbol = form.elements.symbol.value.trim().toUpperCase()
      filters.verdict = form.elements['f-verdict'].value
      filters.mode = form.elements['f-mode'].value
      pager.reset()
      refresh(true).catch(showError)
    })

    async function refresh(force = false) {
      const before = pager.before
      // Older pages do not move; only the newest one is live.
      if (!force && before !== null) return
      const url = withQuery('/llm/admin/decisions', { limit: PAGE, before, symbol: filters.symbol, verdict: filters.verdict, mode: filters.mode })
      const page = await api('GET', url)
      pager.update(page.next_before)
      status.textContent = `${before === null ? 'Live: newest first' : `Page ${pager.number}`} · updated ${fmt.time(new Date().toISOString())}`
      const key = JSON.stringify(page.items)
      if (!force && key === lastKey) return
      lastKey = key
      replaceKeepFocus(
        list,
        table(
          'Recent decisions, newest first',
          [
            {
              label: 'ID',
              cell: (d) => h('a', { href: `#/decisions/${d.id}`, dataset: { focusKey: `d${d.id}` }, 'aria-label': `Open decision ${d.id}` }, `#${d.id}`),
            },
            { label: 'Symbol', cell: (d) => d.symbol },
            { label: 'As of', cell: (d) => fmt.time(d.asof) },
            { label: 'p_up', cell: (d) => fmt.num(d.p_up, 3), num: true },
            { label: 'Proposed', cell: (d) => proposed(d.proposed) },
            { label: 'Verdict', cell: (d) => (d.verdict ? badge(d.verdict) : '—') },
            { label: 'Reasons', cell: (d) => (d.reason_codes.length ? d.reason_codes.join(', ') : '—') },
            { label: 'Mode', cell: (d) => d.mode ?? '—' },
            { label: 'Prompt', cell: (d) => d.prompt_version ?? '—' },
          ],
          page.items,
          {
            id: 'decisions-table',
            empty: 'No decisions match.',
            rowAttrs: (d) => ({ dataset: { id: String(d.id) }, class: 'clickable' }),
          },
        ),
      )
    }

    // A click anywhere on a row opens it; the ID link is the keyboard path.
    list.addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr[data-id]')
      if (tr && !ev.target.closest('a')) location.hash = `#/decisions/${tr.dataset.id}`
    })
    dialog.addEventListener('close', () => {
      if (/^#\/decisions\/./.test(location.hash)) history.replaceState(null, '', '#/decisions')
      list.querySelector(`[data-focus-key="d${dialog.dataset.id}"]`)?.focus()
    })

    async function open(id) {
      if (id === null || !/^\d+$/.test(id)) {
        if (dialog.open) dialog.close()
        return
      }
      dialog.dataset.id = id
      dialog.replaceChildren(h('p', { class: 'muted' }, `Loading decision #${id}…`))
      if (!dialog.open) dialog.showModal()
      try {
        const d = await api('GET', `/llm/admin/decisions/${id}`)
        renderDetail(d)
      } catch (err) {
        dialog.replaceChildren(h('h3', { id: 'decision-title' }, `Decision #${id}`), h('p', { class: 'error', role: 'alert' }, describe(err)), closeButton())
      }
    }

    function closeButton() {
      return h('button', { type: 'button', class: 'close', onclick: () => dialog.close(), 'aria-label': 'Close' }, 'Close')
    }

    function renderDetail(d) {
      const replayOut = h('div', { id: 'replay-result', 'aria-live': 'polite' })
      const replayBtn = h('button', { type: 'button', id: 'replay-force', class: 'primary' }, 'Replay (force)')
      replayBtn.addEventListener('click', async () => {
        replayBtn.disabled = true
        replayOut.replaceChildren(h('p', { class: 'muted' }, 'Replaying against Lexi…'))
        try {
          const r = await api('POST', '/llm/admin/replay', { id: d.id, force: true })
          replayOut.replaceChildren(renderReplay(r))
        } catch (err) {
          replayOut.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Replay failed: ${describe(err)}`))
        } finally {
          replayBtn.disabled = false
        }
      })
      dialog.replaceChildren(
        h('header', { class: 'detail-head' }, h('h3', { id: 'decision-title' }, `Decision #${d.id} · ${d.symbol} · ${fmt.time(d.asof)}`), closeButton()),
        h(
          'div',
          { class: 'detail-body' },
          dl([
            ['p_up', fmt.num(d.p_up, 4)],
            ['μ / σ', `${fmt.num(d.mu, 5)} / ${fmt.num(d.sigma, 5)}`],
            ['Verdict', d.verdict ? badge(d.verdict) : null],
            ['Reason codes', d.reason_codes?.length ? d.reason_codes.join(', ') : null],
            ['Mode', d.mode],
            ['Prompt', d.prompt ? `${d.prompt.name} ${d.prompt.version}` : null],
            ['Prompt hash', d.prompt ? h('code', { class: 'hash' }, d.prompt.hash) : null],
          ]),
          h('h4', {}, 'Rationale'),
          h('p', { id: 'detail-rationale', class: 'prose' }, d.rationale ?? '— (none stored)'),
          rationaleExtras(d.rationale_detail),
          h('h4', {}, 'Policy answer'),
          h('pre', { id: 'detail-policy', tabindex: '0' }, fmt.json(d.policy)),
          h('h4', {}, 'Raw model text'),
          h('pre', { id: 'detail-raw', tabindex: '0' }, d.raw ?? '— (none stored)'),
          d.orders?.length
            ? [
                h('h4', {}, 'Orders'),
                table(
                  'Orders of this decision',
                  [
                    { label: 'ID', cell: (o) => String(o.id) },
                    { label: 'Side', cell: (o) => o.side },
                    { label: 'Qty', cell: (o) => fmt.num(o.qty, 4), num: true },
                    { label: 'Status', cell: (o) => o.status },
                    { label: 'Mode', cell: (o) => o.mode ?? '—' },
                    { label: 'Gate', cell: gateCell },
                  ],
                  d.orders,
                ),
              ]
            : null,
          h('details', {}, h('summary', {}, 'Inputs sent to the model'), h('pre', { tabindex: '0' }, fmt.json(d.inputs))),
          h(
            'div',
            { class: 'actions' },
            replayBtn,
            h('span', { class: 'muted' }, 'Asks Lexi again (bypassing the cache) and compares prompt hashes and answers.'),
          ),
          replayOut,
        ),
      )
      dialog.querySelector('.close')?.focus()
    }

    function renderReplay(r) {
      return h(
        'section',
        { class: 'replay', 'aria-label': 'Replay result' },
        h('p', {}, 'Drift: ', badge(r.drift ? 'drift' : 'no drift', r.drift ? 'deny' : 'ok'), r.cached ? ' (served from cache)' : ' (asked Lexi)'),
        (r.results ?? []).map((x) =>
          h(
            'div',
            { class: 'replay-item' },
            h('h5', {}, `${x.prompt} ${x.version}${x.arm ? ` · arm ${x.arm}` : ''}`),
            dl([
              ['Hash now', h('code', { class: 'hash' }, x.hash)],
              ['Hash recorded', x.recorded ? h('code', { class: 'hash' }, x.recorded.hash) : null],
              ['Drift', x.drift === null ? 'unknown (nothing recorded)' : x.drift ? 'yes' : 'no'],
              ['Answer', x.ok ? (x.valid_json ? 'valid JSON' : 'not valid JSON') : `error ${x.error?.code ?? ''}: ${x.error?.message ?? ''}`],
              ['Latency', fmt.ms(x.latency_ms)],
            ]),
            h('pre', { class: 'replay-raw', tabindex: '0' }, x.raw || '—'),
          ),
        ),
      )
    }

    if (arg !== null) void open(arg)
    function showError(err) {
      lastKey = ''
      replaceKeepFocus(list, h('p', { class: 'error', role: 'alert' }, `Could not read the decisions: ${typeof err === 'string' ? err : describe(err)}`))
    }

    return {
      refresh: () => refresh(false),
      open,
      error: showError,
      unmount: () => {
        if (dialog.open) dialog.close()
      },
    }
  },
}
