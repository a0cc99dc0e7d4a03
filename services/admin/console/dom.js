// Small DOM helpers: every value reaches the page as text (textContent / setAttribute), never as HTML.

/** h('a', { href: '#/x', onclick: fn }, 'text', child) → element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'class') el.className = v
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k === 'value' || k === 'checked' || k === 'disabled') el[k] = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue
    el.append(c instanceof Node ? c : String(c))
  }
  return el
}

/**
 * Replaces a region's content after a poll without losing the keyboard position: the focused
 * element's data-focus-key is looked up again in the new content.
 */
export function replaceKeepFocus(container, ...children) {
  const active = document.activeElement
  const key = active && container.contains(active) ? active.dataset.focusKey : undefined
  container.replaceChildren()
  append(container, children)
  if (key !== undefined) container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus()
}

/**
 * A table in a horizontally scrolling box (phone widths). columns: [{ label, cell(row) → node|text, num? }].
 */
export function table(caption, columns, rows, opts = {}) {
  return h(
    'div',
    {
      class: 'scroll',
      tabindex: opts.scrollFocusable ? '0' : undefined,
      role: opts.scrollFocusable ? 'region' : undefined,
      'aria-label': opts.scrollFocusable ? caption : undefined,
    },
    h(
      'table',
      { id: opts.id },
      h('caption', { class: opts.showCaption ? undefined : 'sr-only' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.label)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length === 0
          ? h('tr', {}, h('td', { colspan: String(columns.length), class: 'empty' }, opts.empty ?? 'Nothing yet.'))
          : rows.map((r) =>
              h(
                'tr',
                opts.rowAttrs?.(r) ?? {},
                columns.map((c) => h('td', { class: c.num ? 'num' : undefined, 'data-label': c.label }, c.cell(r))),
              ),
            ),
      ),
    ),
  )
}

/** A definition list from [label, value] pairs (null values show as —). */
export function dl(pairs, cls = 'kv') {
  return h(
    'dl',
    { class: cls },
    pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null || v === undefined || v === '' ? '—' : v)]),
  )
}

export const fmt = {
  num(v, digits = 2) {
    return v === null || v === undefined || Number.isNaN(v)
      ? '—'
      : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
  },
  money(v) {
    return v === null || v === undefined
      ? '—'
      : `${v < 0 ? '−' : ''}${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
  },
  pct(v, digits = 1) {
    return v === null || v === undefined ? '—' : `${(v * 100).toFixed(digits)} %`
  },
  ms(v) {
    return v === null || v === undefined ? '—' : `${Math.round(v)} ms`
  },
  /** UTC, to the second: operators compare it with logs and the database, which are in UTC. */
  time(iso) {
    if (iso === null || iso === undefined) return '—'
    const d = new Date(iso)
    return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`
  },
  json(v) {
    return v === null || v === undefined ? '—' : JSON.stringify(v, null, 2)
  },
  short(hash, n = 12) {
    return hash ? String(hash).slice(0, n) : '—'
  },
}

/** A state badge: data-state drives its colour, the text says it (colour is never the only cue). */
export function badge(text, state = text) {
  return h('span', { class: 'badge', dataset: { state: String(state ?? 'unknown').toLowerCase() } }, text ?? '—')
}

/** Heading of a view; focused on navigation so screen readers and keyboard users start there. */
export function viewHeading(text) {
  return h('h2', { tabindex: '-1', class: 'view-title' }, text)
}

/**
 * Keyset pagination of a newest-first list (the server's `before` / `next_before`): the cursors of
 * the pages visited ([null] is the newest, live page) and the Newer / Older buttons (ids
 * `<prefix>-newer`, `<prefix>-older`). `onMove` runs after a button changed the page.
 */
export function keysetPager(prefix, onMove) {
  let cursors = [null]
  let next = null
  const newer = h('button', { type: 'button', id: `${prefix}-newer`, disabled: true }, '← Newer')
  const older = h('button', { type: 'button', id: `${prefix}-older`, disabled: true }, 'Older →')
  newer.addEventListener('click', () => {
    cursors.pop()
    onMove()
  })
  older.addEventListener('click', () => {
    if (next === null) return
    cursors.push(next)
    onMove()
  })
  return {
    element: h('div', { class: 'pager' }, newer, older),
    /** The `before` of the page shown (null: the newest). */
    get before() {
      return cursors.at(-1)
    },
    /** 1 for the newest page. */
    get number() {
      return cursors.length
    },
    /** Back to the newest page (after a filter changed). */
    reset() {
      cursors = [null]
    },
    /** The answer's `next_before`: enables the buttons that lead somewhere. */
    update(nextBefore) {
      next = nextBefore
      newer.disabled = cursors.length <= 1
      older.disabled = next === null
    },
  }
}
