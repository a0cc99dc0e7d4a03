// Lexi: health with its cause, per-class queues, latency, circuits per replica, model and vLLM
// version. Fed by the header's poll of GET /llm/admin/lexi (every poll_ms.lexi).
import { badge, dl, fmt, h, replaceKeepFocus, table } from '../dom.js'

export const lexiView = {
  title: 'Lexi',
  poll: 'none',
  mount(root, ctx) {
    const body = h('div', { id: 'lexi-body', class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'))
    root.append(body)
    ctx.onStatus((s) => {
      const l = s.lexi
      if (l === null) {
        replaceKeepFocus(body, h('p', { class: 'error', role: 'alert' }, `Could not read GET /llm/admin/lexi: ${s.error ?? 'no answer'}`))
        return
      }
      replaceKeepFocus(
        body,
        h(
          'section',
          { class: 'card health', 'aria-labelledby': 'lexi-health-title' },
          h('h3', { id: 'lexi-health-title' }, 'Health'),
          h('p', { class: 'big' }, badge(l.state), l.cause ? h('span', { class: 'cause', id: 'lexi-cause' }, ` ${l.cause}`) : null),
          dl([
            ['Checked', fmt.time(l.checked_at)],
            ['Model', l.model],
            ['vLLM version', l.vllm_version],
          ]),
        ),
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'lexi-lat-title' },
          h('h3', { id: 'lexi-lat-title' }, `Latency, last ${Math.round((l.latency?.window_s ?? 0) / 60) || '<1'} min`),
          dl([
            ['Calls', fmt.num(l.latency?.calls, 0)],
            ['Errors', fmt.num(l.latency?.errors, 0)],
            ['p50', fmt.ms(l.latency?.p50_ms)],
            ['p95', fmt.ms(l.latency?.p95_ms)],
          ]),
        ),
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'lexi-classes-title' },
          h('h3', { id: 'lexi-classes-title' }, 'Priority classes'),
          table(
            'In flight and queued per priority class',
            [
              { label: 'Class', cell: (c) => c.class },
              { label: 'In flight', cell: (c) => fmt.num(c.in_flight, 0), num: true },
              { label: 'Queued', cell: (c) => fmt.num(c.queued, 0), num: true },
            ],
            l.classes ?? [],
          ),
        ),
        h(
          'section',
          { class: 'card wide', 'aria-labelledby': 'lexi-up-title' },
          h('h3', { id: 'lexi-up-title' }, 'Replicas'),
          table(
            'Circuit state per replica',
            [
              { label: 'URL', cell: (u) => h('code', {}, u.url) },
              { label: 'Circuit', cell: (u) => badge(u.circuit.replace('_', '-'), u.circuit) },
              { label: 'Cause', cell: (u) => u.cause ?? '—' },
            ],
            l.upstreams ?? [],
          ),
        ),
      )
    })
    return {}
  },
}
