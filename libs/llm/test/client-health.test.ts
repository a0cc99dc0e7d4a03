import { beforeAll, describe, expect, test } from 'vitest'
import { createLlmClient } from '@pulsetrade/llm'
import {
  completion,
  deadlineWatch,
  deadUrl,
  healthPrompt,
  nestedError,
  sendJson,
  startServer,
  warmUp,
  type TestServer,
  useTestResources,
} from './client-fixtures'

beforeAll(warmUp)

const t = useTestResources()

const replying = async (text: string): Promise<TestServer> =>
  startServer((_r, res) => {
    sendJson(res, 200, completion(text))
  })

describe('health', () => {
  test('ok when the reply is exactly OK after trimming; sends temperature 0 and a tiny max_tokens', async () => {
    t.server = await replying(' OK\n')
    t.client = createLlmClient({ baseURL: t.server.url })
    const h = await t.client.health(healthPrompt())
    expect(h).toMatchObject({ ok: true, reply: ' OK\n', model: 'Lexi', error: null })
    expect(h.latency_ms).toBeGreaterThanOrEqual(0)
    expect(t.server.requests[0]?.body).toMatchObject({ temperature: 0, max_tokens: 4 })
  })

  test('a reply other than OK is not ok and says what came back', async () => {
    t.server = await replying('Ok.')
    t.client = createLlmClient({ baseURL: t.server.url })
    expect(await t.client.health(healthPrompt())).toMatchObject({ ok: false, reply: 'Ok.', error: 'reply was "Ok."' })
  })

  test('a refused connection reports "connect ECONNREFUSED host:port"', async () => {
    const url = await deadUrl()
    t.client = createLlmClient({ baseURL: url })
    expect(await t.client.health(healthPrompt())).toMatchObject({ ok: false, reply: null, error: `connect ECONNREFUSED ${new URL(url).host}` })
  })

  test('a wedged server reports "timeout after N ms" within the probe deadline', async () => {
    t.server = await startServer(() => {})
    t.client = createLlmClient({ baseURL: t.server.url, healthTimeoutMs: 5_000 })
    const watch = deadlineWatch(200)
    const h = await t.client.health(healthPrompt(), { timeoutMs: 200 })
    expect(h).toMatchObject({ ok: false, error: 'timeout after 200 ms' })
    expect(watch.elapsed()).toBeLessThanOrEqual(watch.bound(50))
  })

  test('an unknown model reports model "X" not served', async () => {
    t.server = await startServer((_r, res) => {
      sendJson(res, 404, nestedError('The model `Lexi` does not exist.', 404))
    })
    t.client = createLlmClient({ baseURL: t.server.url })
    expect((await t.client.health(healthPrompt())).error).toBe('model "Lexi" not served')
  })

  test('one quick attempt: a 503 is not retried', async () => {
    t.server = await startServer((_r, res) => {
      sendJson(res, 503, nestedError('busy', 503))
    })
    t.client = createLlmClient({ baseURL: t.server.url, maxRetries: 3, retryBaseMs: 1 })
    const h = await t.client.health(healthPrompt())
    expect(h.ok).toBe(false)
    expect(h.error).toContain('503')
    expect(t.server.requests).toHaveLength(1)
  })
})

describe('models', () => {
  test('lists served models with max_model_len', async () => {
    t.server = await startServer((_r, res) => {
      sendJson(res, 200, {
        object: 'list',
        data: [
          { id: 'Lexi', object: 'model', created: 1, owned_by: 'vllm', root: 'Qwen/Qwen2.5-32B-Instruct', parent: null, max_model_len: 4096, permission: [] },
        ],
      })
    })
    t.client = createLlmClient({ baseURL: t.server.url })
    expect(await t.client.models()).toEqual([{ id: 'Lexi', max_model_len: 4096 }])
    expect(t.server.requests[0]?.path).toBe('/v1/models')
  })
})
