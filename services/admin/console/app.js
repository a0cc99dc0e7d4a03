// The console's shell: session, navigation (#/view), polling. Each view lives in views/<name>.js and
// reads the same JSON routes an API user calls (see /docs/json, tag `console`).
import { api, describe, HttpError, setCsrf, whenUnauthorized } from './api.js'
import { viewHeading } from './dom.js'
import { lexiView } from './views/lexi.js'
import { decisionsView } from './views/decisions.js'
import { outcomesView } from './views/outcomes.js'
import { promptsView } from './views/prompts.js'
import { killView } from './views/kill.js'
import { auditView } from './views/audit.js'

const VIEWS = { lexi: lexiView, decisions: decisionsView, outcomes: outcomesView, prompts: promptsView, kill: killView, audit: auditView }
/** Used until GET /console/config answers (the contract's defaults). */
const DEFAULT_POLL = { lexi: 2000, decisions: 5000 }

const $ = (id) => document.getElementById(id)
const state = {
  session: null,
  config: { panic_exit: { enabled: false, reason: null }, poll_ms: DEFAULT_POLL },
  status: { lexi: null, trading: null, error: null },
  current: null,
  timers: [],
  statusListeners: new Set(),
}

export function flash(text, kind = 'info') {
  const el = $('flash')
  el.textContent = text
  el.dataset.kind = kind
  clearTimeout(flash.timer)
  flash.timer = setTimeout(() => {
    el.textContent = ''
  }, 6000)
}

function showLogin(message = '') {
  stopPolling()
  unmountView()
  state.session = null
  setCsrf(null)
  $('login').hidden = false
  $('tabs').hidden = true
  $('who').hidden = true
  // Nothing to show before sign-in: the pills are filled by the polls a session allows.
  $('status').hidden = true
  $('view').replaceChildren()
  $('login-error').textContent = message
  setPill('status-lexi', 'Lexi: —', 'unknown')
  setPill('status-trading', 'Trading: —', 'unknown')
  $('login-token').focus()
}

async function signedIn(session) {
  state.session = session
  setCsrf(session.csrf)
  $('login').hidden = true
  $('tabs').hidden = false
  $('who').hidden = false
  $('status').hidden = false
  $('who-actor').textContent = `Signed in as ${session.actor}`
  try {
    state.config = await api('GET', '/console/config')
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) return
    flash(`Could not read /console/config (${describe(err)}); polling at the default rates`, 'error')
  }
  startPolling()
  route()
}

function setPill(id, text, st) {
  const el = $(id)
  el.textContent = text
  el.dataset.state = String(st).toLowerCase()
}

/** Lexi health and trading state in the header, every poll_ms.lexi; views subscribe to the same poll. */
async function pollStatus() {
  const [lexi, trading] = await Promise.allSettled([api('GET', '/llm/admin/lexi'), api('GET', '/strategist/state')])
  if (state.session === null) return
  state.status = {
    lexi: lexi.status === 'fulfilled' ? lexi.value : null,
    trading: trading.status === 'fulfilled' ? trading.value : null,
    error: lexi.status === 'rejected' ? describe(lexi.reason) : trading.status === 'rejected' ? describe(trading.reason) : null,
    at: new Date(),
  }
  const l = state.status.lexi
  setPill('status-lexi', l ? `Lexi: ${l.state}` : 'Lexi: unknown', l ? l.state : 'unknown')
  const t = state.status.trading
  setPill('status-trading', t ? `Trading: ${t.state}` : 'Trading: unknown', t ? t.state : 'unknown')
  for (const fn of state.statusListeners) fn(state.status)
}

function every(ms, fn) {
  let running = false
  const tick = async () => {
    // A tab in the background does not poll; it catches up when shown again.
    if (running || document.hidden) return
    running = true
    try {
      await fn()
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 401)) console.warn('poll failed', err)
    } finally {
      running = false
    }
  }
  state.timers.push(setInterval(tick, ms))
  return tick
}

function startPolling() {
  stopPolling()
  void every(state.config.poll_ms?.lexi ?? DEFAULT_POLL.lexi, pollStatus)()
}

function stopPolling() {
  for (const t of state.timers) clearInterval(t)
  state.timers = []
}

function unmountView() {
  if (state.current === null) return
  state.current.instance.unmount?.()
  if (state.current.timer !== undefined) clearInterval(state.current.timer)
  state.statusListeners.clear()
  state.current = null
}

/** #/decisions/42 → { name: 'decisions', arg: '42' } */
function parseHash() {
  const [, name = 'lexi', arg = null] = /^#\/([a-z]+)(?:\/(.+))?$/.exec(location.hash) ?? []
  return { name: VIEWS[name] ? name : 'lexi', arg }
}

function route() {
  if (state.session === null) return
  const { name, arg } = parseHash()
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  if (state.current?.name === name) {
    state.current.instance.open?.(arg)
    return
  }
  unmountView()
  const view = VIEWS[name]
  const root = $('view')
  root.replaceChildren()
  root.dataset.view = name
  const heading = viewHeading(view.title)
  root.append(heading)
  const ctx = {
    config: state.config,
    session: state.session,
    status: () => state.status,
    onStatus: (fn) => state.statusListeners.add(fn),
    flash,
    poll: () => pollStatus(),
  }
  const instance = view.mount(root, ctx, arg)
  state.current = { name, instance }
  if (instance.refresh) {
    const ms = view.poll === 'lexi' ? (state.config.poll_ms?.lexi ?? DEFAULT_POLL.lexi) : (state.config.poll_ms?.decisions ?? DEFAULT_POLL.decisions)
    const tick = async () => {
      if (document.hidden) return
      try {
        await instance.refresh()
      } catch (err) {
        if (!(err instanceof HttpError && err.status === 401)) instance.error?.(describe(err))
      }
    }
    if (view.poll !== 'none') state.current.timer = setInterval(tick, ms)
    void tick()
  }
  if (state.status.lexi || state.status.trading) for (const fn of state.statusListeners) fn(state.status)
  heading.focus({ preventScroll: true })
}

async function login(ev) {
  ev.preventDefault()
  const input = $('login-token')
  const token = input.value
  const button = ev.target.querySelector('button')
  button.disabled = true
  $('login-error').textContent = ''
  try {
    const session = await api('POST', '/console/session', { token })
    input.value = ''
    await signedIn(session)
  } catch (err) {
    input.value = ''
    $('login-error').textContent =
      err instanceof HttpError && err.status === 401
        ? 'That token was not accepted.'
        : err instanceof HttpError && err.status === 429
          ? 'Too many failed attempts from this address; wait a minute.'
          : `Sign-in failed: ${describe(err)}`
    input.focus()
  } finally {
    button.disabled = false
  }
}

async function logout() {
  try {
    await api('DELETE', '/console/session')
    showLogin('Signed out.')
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) showLogin('Signed out.')
    else flash(`Sign-out failed: ${describe(err)}`, 'error')
  }
}

async function start() {
  whenUnauthorized(() => {
    if (state.session !== null) showLogin('Your session ended; sign in again.')
  })
  $('login-form').addEventListener('submit', login)
  $('logout').addEventListener('click', logout)
  addEventListener('hashchange', route)
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.session !== null) void pollStatus()
  })
  try {
    await signedIn(await api('GET', '/console/session'))
  } catch (err) {
    showLogin(
      err instanceof HttpError && err.status === 401
        ? ''
        : err instanceof HttpError && err.status === 429
          ? `Too many failed sign-ins from this address: ${describe(err)}`
          : `Could not check the session: ${describe(err)}`,
    )
  }
}

void start()
