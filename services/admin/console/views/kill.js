// Kill switch: trading state, positions, the panic exit (typed confirmation + reason) with its
// progress, and resume (with the acknowledgement a partial exit needs). The state comes from the
// header's poll (poll_ms.lexi); positions are read on the same beat. Hidden, with the reason, when
// ENABLE_PANIC_EXIT is off (GET /console/config).
import { api, describe, HttpError } from '../api.js'
import { badge, dl, fmt, h, replaceKeepFocus, table } from '../dom.js'

export const CONFIRM_PHRASE = 'PANIC EXIT'
const visible = (s) => s.replace(/[\s\p{Cc}\p{Cf}\p{Z}]/gu, '').length

export const killView = {
  title: 'Kill switch',
  poll: 'lexi',
  mount(root, ctx) {
    const stateBox = h(
      'section',
      { class: 'card', id: 'kill-state', 'aria-labelledby': 'kill-state-title' },
      h('h3', { id: 'kill-state-title' }, 'State'),
      h('p', { class: 'muted' }, 'Loading…'),
    )
    const positionsBox = h(
      'section',
      { class: 'card', id: 'kill-positions', 'aria-labelledby': 'kill-pos-title' },
      h('h3', { id: 'kill-pos-title' }, 'Positions'),
      h('p', { class: 'muted' }, 'Loading…'),
    )
    const panicEnabled = ctx.config.panic_exit?.enabled === true

    // Panic exit form.
    const reason = h('input', { id: 'panic-reason', name: 'reason', type: 'text', required: true, minlength: '3', maxlength: '500', autocomplete: 'off' })
    const confirm = h('input', {
      id: 'panic-confirm',
      name: 'confirm',
      type: 'text',
      required: true,
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': 'panic-confirm-help',
    })
    const panicBtn = h('button', { type: 'submit', id: 'panic-submit', class: 'danger', disabled: true }, 'Run panic exit')
    const panicMsg = h('p', { id: 'panic-msg', role: 'status' })
    const panicForm = h(
      'form',
      { id: 'panic-form', class: 'card danger-zone', 'aria-labelledby': 'panic-title' },
      h('h3', { id: 'panic-title' }, 'Panic exit'),
      h('p', {}, 'Halts trading, cancels open orders and flattens every position. Audited with your identity.'),
      h('div', { class: 'field' }, h('label', { for: 'panic-reason' }, 'Reason (at least 3 characters)'), reason),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'panic-confirm' }, `Type ${CONFIRM_PHRASE} to confirm`),
        confirm,
        h('small', { id: 'panic-confirm-help', class: 'muted' }, `Exactly "${CONFIRM_PHRASE}", in capitals.`),
      ),
      panicBtn,
      panicMsg,
    )
    const armed = () => confirm.value.trim() === CONFIRM_PHRASE && visible(reason.value) >= 3
    const syncPanic = () => {
      panicBtn.disabled = !armed()
    }
    reason.addEventListener('input', syncPanic)
    confirm.addEventListener('input', syncPanic)
    panicForm.addEventListener('submit', async (ev) => {
      ev.preventDefault()
      if (!armed()) return
      panicBtn.disabled = true
      panicMsg.textContent = 'Starting the panic exit…'
      try {
        const r = await api('POST', '/strategist/panic-exit', { reason: reason.value.trim() })
        panicMsg.textContent = `Panic exit ${r.exit_id} ${r.created ? 'started' : 'already running (joined)'}; state ${r.state}. Progress below.`
        confirm.value = ''
        reason.value = ''
        ctx.flash('Panic exit started: trading is HALTED', 'warn')
        await ctx.poll()
      } catch (err) {
        panicMsg.textContent = `Panic exit refused: ${describe(err)}`
      } finally {
        syncPanic()
      }
    })

    // Resume form.
    const resumeReason = h('input', {
      id: 'resume-reason',
      name: 'reason',
      type: 'text',
      required: true,
      minlength: '3',
      maxlength: '500',
      autocomplete: 'off',
    })
    const ack = h('input', { id: 'resume-ack', name: 'ack', type: 'checkbox' })
    const resumeBtn = h('button', { type: 'submit', id: 'resume-submit', class: 'primary' }, 'Resume trading')
    const resumeMsg = h('p', { id: 'resume-msg', role: 'status' })
    const resumeForm = h(
      'form',
      { id: 'resume-form', class: 'card', 'aria-labelledby': 'resume-title' },
      h('h3', { id: 'resume-title' }, 'Resume'),
      h('p', {}, 'Re-arms trading. Never automatic; audited with your identity.'),
      h('div', { class: 'field' }, h('label', { for: 'resume-reason' }, 'Reason (at least 3 characters)'), resumeReason),
      h(
        'div',
        { class: 'field check' },
        ack,
        h('label', { for: 'resume-ack' }, 'I acknowledge that positions may still be open (needed after a panic exit that did not finish)'),
      ),
      resumeBtn,
      resumeMsg,
    )
    resumeForm.addEventListener('submit', async (ev) => {
      ev.preventDefault()
      if (visible(resumeReason.value) < 3) {
        resumeMsg.textContent = 'Give a reason of at least 3 visible characters.'
        resumeReason.focus()
        return
      }
      resumeBtn.disabled = true
      resumeMsg.textContent = 'Resuming…'
      try {
        const body = { reason: resumeReason.value.trim(), ...(ack.checked ? { acknowledge_open_positions: true } : {}) }
        const s = await api('POST', '/strategist/resume', body)
        resumeMsg.textContent = `Trading is ${s.state} (changed by ${s.changed_by}).`
        resumeReason.value = ''
        ack.checked = false
        ctx.flash(`Trading resumed: ${s.state}`, 'info')
        await ctx.poll()
      } catch (err) {
        if (err instanceof HttpError && err.code === 'TRADING_ERR_ACK_REQUIRED') {
          const open = err.body?.open_positions ?? []
          resumeMsg.textContent = `The last panic exit did not finish and ${open.length} position(s) are still open: tick the acknowledgement to resume anyway.`
          ack.focus()
        } else resumeMsg.textContent = `Resume refused: ${describe(err)}`
      } finally {
        resumeBtn.disabled = false
      }
    })

    const disabledNote = h(
      'section',
      { class: 'card', id: 'panic-disabled', 'aria-labelledby': 'panic-off-title' },
      h('h3', { id: 'panic-off-title' }, 'Panic exit unavailable'),
      h('p', {}, ctx.config.panic_exit?.reason ?? 'Panic exit is disabled on this service (ENABLE_PANIC_EXIT is off).'),
    )
    root.append(h('div', { class: 'grid' }, stateBox, positionsBox, panicEnabled ? panicForm : disabledNote, resumeForm))

    function renderState(t, error) {
      if (!t) {
        replaceKeepFocus(
          stateBox,
          h('h3', { id: 'kill-state-title' }, 'State'),
          h('p', { class: 'error', role: 'alert' }, `Could not read GET /strategist/state: ${error ?? 'no answer'}`),
        )
        return
      }
      const exit = t.exit ?? null
      replaceKeepFocus(
        stateBox,
        h('h3', { id: 'kill-state-title' }, 'State'),
        h('p', { class: 'big' }, badge(t.state), h('span', { id: 'trading-state', class: 'sr-only' }, t.state)),
        dl([
          ['Reason', t.reason],
          ['Changed by', t.changed_by],
          ['Changed at', fmt.time(t.changed_at)],
        ]),
        exit
          ? h(
              'div',
              { class: 'exit', id: 'exit-progress' },
              h('h4', {}, 'Panic exit'),
              dl([
                ['Exit', h('code', {}, exit.exit_id)],
                ['Status', badge(exit.status)],
                ['Requested by', exit.requested_by],
                ['Reason', exit.reason],
                ['Started', fmt.time(exit.created_at)],
                ['Finished', exit.finished_at ? fmt.time(exit.finished_at) : 'running…'],
              ]),
              Object.keys(exit.report ?? {}).length
                ? h('details', { open: true }, h('summary', {}, 'Report'), h('pre', { tabindex: '0' }, fmt.json(exit.report)))
                : null,
            )
          : null,
      )
      // Panic is offered while trading can still open positions; resume once it is halted or reducing.
      panicForm.hidden = t.state === 'HALTED'
      resumeForm.hidden = t.state === 'ACTIVE'
    }

    async function refresh() {
      const p = await api('GET', '/strategist/positions')
      const open = p.positions.filter((x) => Number(x.qty) !== 0)
      replaceKeepFocus(
        positionsBox,
        h('h3', { id: 'kill-pos-title' }, 'Positions'),
        h('p', { id: 'positions-summary' }, open.length === 0 ? 'Flat: no open position.' : `${open.length} open position(s).`),
        table(
          'Open positions',
          [
            { label: 'Symbol', cell: (x) => x.symbol },
            { label: 'Qty', cell: (x) => fmt.num(x.qty, 4), num: true },
            { label: 'Avg price', cell: (x) => fmt.num(x.avg_price, 4), num: true },
          ],
          open,
          { id: 'positions-table', empty: 'No open position.' },
        ),
      )
    }

    ctx.onStatus((s) => renderState(s.trading, s.error))
    return {
      refresh,
      error: (msg) =>
        replaceKeepFocus(
          positionsBox,
          h('h3', { id: 'kill-pos-title' }, 'Positions'),
          h('p', { class: 'error', role: 'alert' }, `Could not read the positions: ${msg}`),
        ),
    }
  },
}
