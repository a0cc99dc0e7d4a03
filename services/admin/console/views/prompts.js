// Prompts and arms: versions with content hashes, the active one, A/B weights, canary-stopped arms
// with their evidence, and per-arm validity and latency.
import { api } from '../api.js'
import { badge, fmt, h, replaceKeepFocus, table } from '../dom.js'

export const promptsView = {
  title: 'Prompts & arms',
  poll: 'decisions',
  mount(root) {
    const armsBox = h(
      'section',
      { class: 'card wide', id: 'arms', 'aria-labelledby': 'arms-title' },
      h('h3', { id: 'arms-title' }, 'A/B arms'),
      h('p', { class: 'muted' }, 'Loading…'),
    )
    const promptsBox = h('div', { id: 'prompts', class: 'stack' })
    root.append(armsBox, promptsBox)
    let lastKey = ''

    async function refresh() {
      const [p, a] = await Promise.all([api('GET', '/llm/admin/prompts'), api('GET', '/llm/admin/arms')])
      const key = JSON.stringify([p, a])
      if (key === lastKey) return
      lastKey = key
      replaceKeepFocus(
        armsBox,
        h('h3', { id: 'arms-title' }, 'A/B arms'),
        table(
          'Arms with weight, state, validity and latency',
          [
            { label: 'Prompt', cell: (r) => r.prompt },
            { label: 'Version', cell: (r) => r.version },
            { label: 'Weight', cell: (r) => fmt.num(r.weight, 3), num: true },
            { label: 'State', cell: (r) => (r.stopped ? badge('stopped', 'deny') : r.active ? badge('active', 'ok') : badge('inactive', 'unknown')) },
            { label: 'Calls', cell: (r) => fmt.num(r.calls, 0), num: true },
            { label: 'Valid', cell: (r) => fmt.pct(r.valid_rate), num: true },
            { label: 'p50', cell: (r) => fmt.ms(r.p50_ms), num: true },
            { label: 'p95', cell: (r) => fmt.ms(r.p95_ms), num: true },
          ],
          a.arms,
          { id: 'arms-table', empty: 'No A/B arms configured (LLM_AB_BUCKETS).' },
        ),
      )
      replaceKeepFocus(
        promptsBox,
        p.prompts.map((pr) =>
          h(
            'section',
            { class: 'card wide', 'aria-labelledby': `prompt-${pr.name}` },
            h('h3', { id: `prompt-${pr.name}` }, pr.name, ' ', h('span', { class: 'muted' }, `active ${pr.active}`)),
            pr.arms ? h('p', {}, 'A/B weights: ', pr.arms.map((x) => `${x.version} × ${fmt.num(x.weight, 3)}`).join(', ')) : null,
            pr.stopped.length
              ? h(
                  'div',
                  { class: 'stopped', role: 'note' },
                  h('h4', {}, 'Stopped by the canary'),
                  pr.stopped.map((s) =>
                    h(
                      'details',
                      {},
                      h('summary', {}, `${s.version}: ${s.metric} at ${fmt.time(s.stopped_at)}`),
                      h('pre', { tabindex: '0' }, fmt.json(s.evidence)),
                    ),
                  ),
                )
              : null,
            table(
              `Versions of ${pr.name}`,
              [
                { label: 'Version', cell: (v) => v.version },
                { label: 'Active', cell: (v) => (v.active ? badge('active', 'ok') : '—') },
                { label: 'Hash', cell: (v) => h('code', { class: 'hash', title: v.hash }, fmt.short(v.hash, 16)) },
                { label: 'Temp.', cell: (v) => fmt.num(v.sampling.temperature, 2), num: true },
                { label: 'Description', cell: (v) => v.description },
              ],
              pr.versions,
            ),
          ),
        ),
      )
    }
    return {
      refresh,
      error: (msg) => {
        lastKey = ''
        replaceKeepFocus(
          armsBox,
          h('h3', { id: 'arms-title' }, 'A/B arms'),
          h('p', { class: 'error', role: 'alert' }, `Could not read prompts or arms: ${msg}`),
        )
      },
    }
  },
}
