// Shadow and outcomes: realized P&L of allowed, denied and would-deny orders over time (uPlot,
// loaded only when this view opens), beside the shadow-mode report.
import { api, describe, withQuery } from '../api.js'
import { dl, fmt, h, replaceKeepFocus, table } from '../dom.js'

const RANGES = [
  ['1 day', 86_400_000],
  ['7 days', 7 * 86_400_000],
  ['30 days', 30 * 86_400_000],
  ['90 days', 90 * 86_400_000],
  ['all', null],
]
const SERIES = [
  { key: 'allowed', label: 'Allowed', stroke: '#1f7a3a' },
  { key: 'denied', label: 'Denied', stroke: '#b42318' },
  { key: 'would_deny', label: 'Would deny (shadow)', stroke: '#8a5a00', dash: [6, 4] },
]

let uPlotModule = null
const loadUPlot = async () => (uPlotModule ??= (await import('../vendor/uplot/uPlot.esm.js')).default)

export const outcomesView = {
  title: 'Shadow & outcomes',
  poll: 'decisions',
  mount(root) {
    const form = h(
      'form',
      { class: 'filters', 'aria-label': 'Chart range' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'o-bucket' }, 'Bucket'),
        h('select', { id: 'o-bucket' }, h('option', { value: 'day' }, 'day'), h('option', { value: 'hour' }, 'hour')),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'o-range' }, 'Range'),
        h(
          'select',
          { id: 'o-range' },
          RANGES.map(([l], i) => h('option', { value: String(i), selected: i === 2 }, l)),
        ),
      ),
    )
    const chartBox = h(
      'figure',
      { class: 'card wide chart', id: 'outcomes-chart' },
      h('figcaption', {}, 'Cumulative realized P&L'),
      h('div', { class: 'chart-area', role: 'img', 'aria-label': 'Cumulative realized P&L chart' }),
    )
    const totals = h('div', { id: 'outcomes-totals' })
    const report = h('section', { class: 'card', id: 'shadow-report', 'aria-labelledby': 'shadow-title' }, h('h3', { id: 'shadow-title' }, 'Shadow report'))
    root.append(form, chartBox, h('div', { class: 'grid' }, totals, report))
    const area = chartBox.querySelector('.chart-area')
    let plot = null
    let lastKey = ''

    const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(240, area.clientWidth), height: plotHeight() }))
    resize.observe(area)
    const plotHeight = () => (area.clientWidth < 500 ? 220 : 320)
    form.addEventListener('change', () => refresh(true).catch(showError))

    async function refresh(force = false) {
      const bucket = form.querySelector('#o-bucket').value
      const span = RANGES[Number(form.querySelector('#o-range').value)][1]
      const since = span === null ? null : new Date(Date.now() - span).toISOString()
      const [o, s] = await Promise.all([
        api('GET', withQuery('/llm/admin/outcomes', { bucket, since })),
        api('GET', withQuery('/llm/admin/shadow-report', { since })),
      ])
      const key = JSON.stringify([o, s.would_allow, s.would_deny, s.enforce_effect_pnl])
      if (!force && key === lastKey) return
      lastKey = key
      await draw(o)
      renderTotals(o)
      renderReport(s)
    }

    async function draw(o) {
      const uPlot = await loadUPlot()
      const xs = o.series.map((p) => Math.floor(new Date(p.t).getTime() / 1000))
      const cumulative = SERIES.map((s) => {
        let acc = 0
        return o.series.map((p) => (acc += p[s.key]?.pnl ?? 0))
      })
      plot?.destroy()
      plot = null
      area.replaceChildren()
      if (xs.length === 0) {
        area.append(h('p', { class: 'muted' }, 'No realized outcome in this range yet.'))
        return
      }
      plot = new uPlot(
        {
          width: Math.max(240, area.clientWidth),
          height: plotHeight(),
          scales: { x: { time: true } },
          axes: [{}, { label: 'P&L', size: 70, values: (_u, ticks) => ticks.map((v) => fmt.num(v, 0)) }],
          series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, dash: s.dash, value: (_u, v) => fmt.money(v) }))],
        },
        [xs, ...cumulative],
        area,
      )
    }

    function renderTotals(o) {
      const sum = (k) => o.series.reduce((a, p) => ({ n: a.n + (p[k]?.n ?? 0), pnl: a.pnl + (p[k]?.pnl ?? 0) }), { n: 0, pnl: 0 })
      replaceKeepFocus(
        totals,
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'totals-title' },
          h('h3', { id: 'totals-title' }, `Totals (${o.series.length} ${o.bucket} buckets)`),
          table(
            'Orders and realized P&L per group',
            [
              { label: 'Group', cell: (r) => r.label },
              { label: 'Orders', cell: (r) => fmt.num(r.n, 0), num: true },
              { label: 'Realized P&L', cell: (r) => fmt.money(r.pnl), num: true },
            ],
            SERIES.map((s) => ({ label: s.label, ...sum(s.key) })),
          ),
        ),
      )
    }

    function renderReport(s) {
      const b = (x) => [
        ['Orders', fmt.num(x.orders, 0)],
        ['Resolved', fmt.num(x.resolved, 0)],
        ['Realized P&L', fmt.money(x.realized_pnl)],
        ['Hit rate', fmt.pct(x.hit_rate)],
      ]
      replaceKeepFocus(
        report,
        h('h3', { id: 'shadow-title' }, 'Shadow report'),
        h(
          'p',
          {},
          'What enforcing the gate would have changed (positive: its denials would have saved money): ',
          h('strong', { id: 'enforce-effect' }, fmt.money(s.enforce_effect_pnl)),
        ),
        h(
          'div',
          { class: 'two' },
          h('div', {}, h('h4', {}, 'Would allow'), dl(b(s.would_allow))),
          h('div', {}, h('h4', {}, 'Would deny'), dl(b(s.would_deny))),
        ),
        h('p', { class: 'muted' }, `Generated ${fmt.time(s.generated_at)}`),
      )
    }

    function showError(err) {
      lastKey = ''
      replaceKeepFocus(totals, h('p', { class: 'error', role: 'alert' }, `Could not read the outcomes: ${typeof err === 'string' ? err : describe(err)}`))
    }

    return {
      refresh: () => refresh(false),
      error: showError,
      unmount: () => {
        resize.disconnect()
        plot?.destroy()
      },
    }
  },
}
