// Audit: the audit log, newest first, paginated by the server (keyset on id), filterable by action.
import { api, describe, withQuery } from '../api.js'
import { fmt, h, keysetPager, replaceKeepFocus, table } from '../dom.js'

const PAGE = 50

export const auditView = {
  title: 'Audit',
  poll: 'decisions',
  mount(root) {
    let action = ''
    let lastKey = ''
    const form = h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'a-action' }, 'Action'),
        h('input', { id: 'a-action', type: 'search', autocomplete: 'off', placeholder: 'e.g. strategist.panic_exit', maxlength: '100', spellcheck: 'false' }),
      ),
      h('button', { type: 'submit' }, 'Apply'),
    )
    const list = h('div', { id: 'audit-list' }, h('p', { class: 'muted' }, 'Loading…'))
    const pager = keysetPager('audit', () => refresh(true).catch(showError))
    root.append(form, list, pager.element)
    form.addEventListener('submit', (ev) => {
      ev.preventDefault()
      action = form.querySelector('#a-action').value.trim()
      pager.reset()
      refresh(true).catch(showError)
    })

    async function refresh(force = false) {
      const before = pager.before
      if (!force && before !== null) return
      const page = await api('GET', withQuery('/llm/admin/audit', { limit: PAGE, before, action }))
      pager.update(page.next_before)
      const key = JSON.stringify(page.items)
      if (!force && key === lastKey) return
      lastKey = key
      replaceKeepFocus(
        list,
        table(
          'Audit log, newest first',
          [
            { label: 'ID', cell: (r) => String(r.id) },
            { label: 'When', cell: (r) => fmt.time(r.created_at) },
            { label: 'Actor', cell: (r) => r.actor },
            { label: 'Action', cell: (r) => h('code', {}, r.action) },
            { label: 'Reason', cell: (r) => r.reason ?? '—' },
            {
              label: 'Details',
              cell: (r) => (r.details ? h('code', { class: 'details', title: JSON.stringify(r.details) }, truncate(JSON.stringify(r.details), 120)) : '—'),
            },
          ],
          page.items,
          { id: 'audit-table', empty: 'No audit entries match.' },
        ),
      )
    }
    function showError(err) {
      lastKey = ''
      replaceKeepFocus(list, h('p', { class: 'error', role: 'alert' }, `Could not read the audit log: ${typeof err === 'string' ? err : describe(err)}`))
    }

    return {
      refresh: () => refresh(false),
      error: showError,
    }
  },
}

const truncate = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)
