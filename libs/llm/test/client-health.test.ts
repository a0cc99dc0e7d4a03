import { afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createLlmClient, type LlmClientInstance } from '@pulsetrade/llm'
import { completion, deadlineWatch, deadUrl, healthPrompt, nestedError, sendJson, startServer, warmUp, type TestServer } from './client-fixtures'

beforeAll(warmUp)

let server: TestServer | undefined
let client: LlmClientInstance | undefined
afterEach(async () => {
  await client?.close()
  await server?.close()
  client = undefined
  server = undefined
})

const replying = async (text: string): Promise<TestServer> => startServer((_r, res) => { sendJson(res, 200, completion(text)) })

describe('health', () => {
  test('ok when the reply is exactly OK after trimming; sends temperature 0 and a tiny max_tokens', async () => {
    server = await replying(' OK\n')
    client = createLlmClient({ baseURL: server.url })
    const h = await client.health(healthPrompt())
    expect(h).toMatchObject({ ok: true, reply: ' OK\n', model: 'Lexi', error: null })
    expect(h.latency_ms).toBeGreaterThanOrEqual(0)
    expect(server.requests[0]?.body).toMatchObject({ temperature: 0, max_tokens: 4 })
  })

  test('a reply other than OK is not ok and says what came back', async () => {
    server = await replying('Ok.')
    client = createLlmClient({ baseURL: server.url })
    expect(await client.health(healthPrompt())).toMatchObject({ ok: false, reply: 'Ok.', error: 'reply was "Ok."' })
  })

  test('a refused connection reports "connect ECONNREFUSED host:port"', async () => {
    const url = await deadUrl()
    client = createLlmClient({ baseURL: url })
    expect(await client.health(healthPrompt())).toMatchObject({ ok: false, reply: null, error: `connect ECONNREFUSED ${new URL(url).host}` })
  })

  test('a wedged server reports "timeout after N ms" within the probe deadline', async () => {
    server = await startServer(() => {})
    client = createLlmClient({ baseURL: server.url, healthTimeoutMs: 5_000 })
    const watch = deadlineWatch(200)
    const h = await client.health(healthPrompt(), { timeoutMs: 200 })
    expect(h).toMatchObject({ ok: false, error: 'timeout after 200 ms' })
    expect(watch.elapsed()).toBeLessThanOrEqual(watch.bound(50))
  })

  test('an unknown model reports model "X" not served', async () => {
    server = await startServer((_r, res) => { sendJson(res, 404, nestedError('The model `Lexi` does not exist.', 404)) })
    client = createLlmClient({ baseURL: server.url })
    expect((await client.health(healthPrompt())).error).toBe('model "Lexi" not served')
  })

  test('one quick attempt: a 503 is not retried', async () => {
    server = await startServer((_r, res) => { sendJson(res, 503, nestedError('busy', 503)) })
    client = createLlmClient({ baseURL: server.url, maxRetries: 3, retryBaseMs: 1 })
    const h = await client.health(healthPrompt())
    expect(h.ok).toBe(false)
    expect(h.error).toContain('503')
    expect(server.requests).toHaveLength(1)
  })
})

describe('models', () => {
  test('lists served models with max_model_len', async () => {
    server = await startServer((_r, res) => {
      sendJson(res, 200, { object: 'list', data: [{ id: 'Lexi', object: 'model', created: 1, owned_by: 'vllm', root: 'Qwen/Qwen2.5-32B-Instruct', parent: null, max_model_len: 4096, permission: [] }] })
    })
    client = createLlmClient({ baseURL: server.url })
    expect(await client.models()).toEqual([{ id: 'Lexi', max_model_len: 4096 }])
    expect(server.requests[0]?.path).toBe('/v1/models')
  })
})
