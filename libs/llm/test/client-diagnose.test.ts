import { afterEach, expect, test } from 'vitest'
import { createLlmClient, type LlmClientInstance } from '@pulsetrade/llm'
import { deadUrl, delay, startServer, type TestServer } from './client-fixtures'

/** client.diagnose(): why the upstreams fail now, over the client's own pools (GET /models). */
let status = 200
let delayMs = 0
let server: TestServer | undefined
let client: LlmClientInstance | undefined
afterEach(async () => {
  await client?.close()
  await server?.close()
  client = undefined
  server = undefined
})

const modelsServer = async (): Promise<TestServer> =>
  startServer(async (_r, res) => {
    await delay(delayMs)
    if (res.destroyed) return
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(status === 200 ? '{"object":"list","data":[{"id":"Lexi","max_model_len":4096}]}' : '')
  })

test('a closed port is diagnosed as unreachable', async () => {
  client = createLlmClient({ baseURL: await deadUrl() })
  expect(await client.diagnose()).toBe('unreachable')
})

test('a dead engine (empty 500) is an upstream error, a hang is a timeout, an answer means only the breaker is open', async () => {
  server = await modelsServer()
  const fresh = (): LlmClientInstance => createLlmClient({ baseURL: (server as TestServer).url })
  status = 500
  client = fresh()
  expect(await client.diagnose()).toBe('upstream_error')
  await client.close()
  status = 200
  delayMs = 1_500 // past the probe's 1 s deadline
  client = fresh()
  expect(await client.diagnose()).toBe('timeout')
  await client.close()
  delayMs = 0
  client = fresh()
  expect(await client.diagnose()).toBe('circuit_open')
  expect(server.requests.every((r) => r.method === 'GET' && r.path === '/v1/models')).toBe(true)
})

test('any replica answering means only the breaker is open', async () => {
  server = await modelsServer()
  client = createLlmClient({ baseURL: [await deadUrl(), server.url] })
  expect(await client.diagnose()).toBe('circuit_open')
})

test('concurrent callers share one probe within the ttl (1 s)', async () => {
  server = await modelsServer()
  client = createLlmClient({ baseURL: server.url })
  await Promise.all(Array.from({ length: 20 }, () => (client as LlmClientInstance).diagnose()))
  await client.diagnose()
  expect(server.requests).toHaveLength(1)
})
