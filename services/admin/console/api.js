// JSON over fetch with the session cookie (HttpOnly: this code never sees it). The CSRF token lives
// in a module variable only: no localStorage, no sessionStorage, nothing that outlives the tab.

let csrf = null
let onUnauthorized = () => {}

export class HttpError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`)
    this.name = 'HttpError'
    this.status = status
    this.body = body
    this.code = body?.code ?? null
  }
}

export function setCsrf(token) {
  csrf = token
}

export function whenUnauthorized(fn) {
  onUnauthorized = fn
}

export async function api(method, url, body) {
  const headers = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD' && csrf !== null) headers['x-csrf-token'] = csrf
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  })
  const text = await res.text()
  let data = null
  if (text !== '') {
    try {
      data = JSON.parse(text)
    } catch {
      data = { message: text }
    }
  }
  if (!res.ok) {
    // A session that expired or was ended elsewhere: back to the login form (the login call itself excepted).
    if (res.status === 401 && url !== '/console/session') onUnauthorized()
    throw new HttpError(res.status, data)
  }
  return data
}

/** URL with the query parameters that are set (empty strings and null are left out). */
export function withQuery(path, params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s === '' ? path : `${path}?${s}`
}

/** A message for the operator: the server's own message when there is one. */
export function describe(err) {
  if (err instanceof HttpError) return `${err.status}${err.code ? ` ${err.code}` : ''}: ${err.body?.message ?? err.message}`
  return err instanceof TypeError ? 'the admin service did not answer (network error)' : String(err?.message ?? err)
}
