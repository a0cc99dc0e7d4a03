import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, expect, test } from 'vitest'
import { createUpstreamProbe } from '../src/pipeline/upstream-probe'

let status = 200
let delayMs = 0
const server = http.createServer((_req, res) => {
  setTimeout(() => { res.statusCode = status; res.end(status === 200 ? '{"data":[]}' : '') }, delayMs)
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
afterAll(async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) })

const probe = (url = base): ReturnType<typeof createUpstreamProbe> => createUpstreamProbe({ baseUrls: [url], timeoutMs: 200, ttlMs: 0 })

test('a closed port is diagnosed as unreachable', async () => {
  const closed = http.createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  expect(await probe(`http://127.0.0.1:${port}/v1`)()).toBe('unreachable')
})

test('a dead engine (empty 500) is an upstream error, a hang is a timeout, an answer means only the breaker is open', async () => {
  status = 500
  expect(await probe()()).toBe('upstream_error')
  status = 200
  delayMs = 1000
  expect(await probe()()).toBe('timeout')
  delayMs = 0
  expect(await probe()()).toBe('circuit_open')
})

test('concurrent rows share one probe within the ttl', async () => {
  let hits = 0
  server.on('request', () => { hits++ })
  const shared = createUpstreamProbe({ baseUrls: [base], timeoutMs: 500, ttlMs: 60_000 })
  await Promise.all(Array.from({ length: 20 }, () => shared()))
  await shared()
  expect(hits).toBe(1)
})
