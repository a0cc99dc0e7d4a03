import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent } from 'undici'
import { afterEach, expect, test } from 'vitest'
import { signalHook } from '../src/client/abort-hook'
import { createCallScope } from '../src/client/call-scope'
import { dispatchText } from '../src/client/dispatch-text'

// dispatch-text.ts reads whole answers over undici's dispatcher API, without `request`'s body stream:
// these pin what `request` gave for free (abort before and during a request, bodies split anywhere).

const open: Array<{ close: () => unknown }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (o) => o.close()))
})

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: URL; server: Server; requests: () => number; closed: () => number }> {
  let requests = 0
  let closed = 0
  const server = createServer((req, res) => {
    requests++
    req.socket.once('close', () => closed++)
    handler(req, res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  open.push({ close: () => new Promise((r) => server.close(r)) })
  server.on('connection', (s) => open.push({ close: () => s.destroy() }))
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x`), server, requests: () => requests, closed: () => closed }
}

function agent(): Agent {
  const a = new Agent({ connections: 4 })
  open.push({ close: () => a.destroy() })
  return a
}

test('a body split inside a multi-byte character is decoded whole, with status and headers', async () => {
  const text = 'Lexi sagt: Größe – 指数 📈'
  const bytes = Buffer.from(JSON.stringify({ text }))
  const cut = bytes.indexOf(Buffer.from('📈')) + 2
  const s = await serve((_req, res) => {
    res.writeHead(201, { 'content-type': 'application/json', 'x-extra': 'yes' })
    res.write(bytes.subarray(0, cut))
    setTimeout(() => res.end(bytes.subarray(cut)), 20)
  })
  const scope = createCallScope(undefined, 5_000, Date.now)
  const res = await dispatchText(agent(), { url: s.url, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', abort: scope })
  scope.dispose()
  expect(res.status).toBe(201)
  expect(res.headers['x-extra']).toBe('yes')
  expect(JSON.parse(res.text)).toEqual({ text })
})

test('an abort already fired rejects with its reason and sends nothing', async () => {
  const s = await serve((_req, res) => res.end('{}'))
  const ctl = new AbortController()
  const reason = new Error('caller gave up')
  ctl.abort(reason)
  await expect(dispatchText(agent(), { url: s.url, method: 'GET', headers: {}, abort: signalHook(ctl.signal) })).rejects.toBe(reason)
  expect(s.requests()).toBe(0)
})

test('a deadline during the request rejects with the timeout and closes the socket', async () => {
  const s = await serve(() => {}) // never answers
  const scope = createCallScope({ timeoutMs: 150 }, 5_000, Date.now)
  const started = Date.now()
  const err = await dispatchText(agent(), { url: s.url, method: 'POST', headers: {}, body: '{}', abort: scope }).catch((e: unknown) => e)
  scope.dispose()
  expect(Date.now() - started).toBeLessThan(1_500)
  expect((err as { code?: string }).code).toBe('LLM_ERR_TIMEOUT')
  expect(s.requests()).toBe(1)
  await expect.poll(() => s.closed(), { timeout: 2_000 }).toBe(1)
})

test('an abort fires the hook once; unsubscribed listeners are not called', () => {
  const scope = createCallScope(undefined, 5_000, Date.now)
  const calls: unknown[] = []
  const off = scope.onAbort((r) => calls.push(['a', r]))
  scope.onAbort((r) => calls.push(['b', r]))
  off()
  scope.abort('first')
  scope.abort('second')
  scope.dispose()
  expect(calls).toEqual([['b', 'first']])
  expect(scope.aborted).toBe(true)
  expect(scope.signal.aborted).toBe(true)
  expect(scope.signal.reason).toBe('first')
})
