import { expect, test } from 'vitest'
import { createLlmClient, LlmUpstreamError } from '@pulsetrade/llm'
import { sendJson, startServer, useTestResources } from './client-fixtures'

// Non-streamed completions go straight over the undici pool (upstream.createCompletion), not through
// the SDK: these pin what that path sends and how it treats answers that are not chat completions.

const req = { messages: [{ role: 'user' as const, content: 'hi' }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 16 } }
const t = useTestResources()

const completion = (content: unknown): unknown => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'Lexi',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
})

async function answer(status: number, body: string): Promise<unknown> {
  t.server = await startServer((_r, res) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(body)
  })
  t.client = createLlmClient({ baseURL: t.server.url, apiKey: 'sk-transport', maxRetries: 0, timeoutMs: 2_000 })
  return t.client.chat(req).then(
    (r) => r,
    (e: unknown) => e,
  )
}

test('sends one JSON POST to /v1/chat/completions with the key, a request id and the explicit sampling', async () => {
  t.server = await startServer((_r, res) => {
    sendJson(res, 200, completion('fine'))
  })
  t.client = createLlmClient({ baseURL: `${t.server.url}/`, apiKey: 'sk-transport', maxRetries: 0 })
  const r = await t.client.chat(req)
  expect(r).toMatchObject({ text: 'fine', finish_reason: 'stop', usage: { prompt_tokens: 3, completion_tokens: 1 }, model: 'Lexi' })
  expect(t.server.requests).toHaveLength(1)
  const seen = t.server.requests[0]
  expect(seen).toMatchObject({ method: 'POST', path: '/v1/chat/completions' })
  expect(seen?.headers).toMatchObject({ authorization: 'Bearer sk-transport', 'content-type': 'application/json' })
  expect(seen?.headers['x-request-id']).toBe(r.request_id)
  expect(seen?.body).toEqual({ model: 'Lexi', messages: req.messages, temperature: 0.7, top_p: 1, max_tokens: 16 })
})

test('a null content is an empty answer, not a failure', async () => {
  expect(await answer(200, JSON.stringify(completion(null)))).toMatchObject({ text: '', finish_reason: 'stop' })
})

test('a 200 whose body is not JSON is LLM_ERR_UPSTREAM quoting the body', async () => {
  const err = await answer(200, '<html>proxy error</html>')
  expect(err).toBeInstanceOf(LlmUpstreamError)
  expect((err as Error).message).toContain('<html>proxy error</html>')
})

test('a 200 without choices is LLM_ERR_UPSTREAM', async () => {
  expect(await answer(200, JSON.stringify({ object: 'chat.completion' }))).toMatchObject({
    code: 'LLM_ERR_UPSTREAM',
    message: expect.stringContaining('choices'),
  })
})

test('a 200 with an empty choices array is LLM_ERR_UPSTREAM', async () => {
  expect(await answer(200, JSON.stringify({ choices: [] }))).toMatchObject({ code: 'LLM_ERR_UPSTREAM', message: expect.stringContaining('choice') })
})

test('a choice whose content is not a string is LLM_ERR_UPSTREAM', async () => {
  expect(await answer(200, JSON.stringify(completion({ text: 'x' })))).toMatchObject({
    code: 'LLM_ERR_UPSTREAM',
    message: expect.stringContaining('message.content'),
  })
})

test('a 503 with a body is mapped with its status and message', async () => {
  const err = await answer(503, JSON.stringify({ error: { message: 'Service Unavailable', type: 'ServiceUnavailableError', code: 503 } }))
  expect(err).toMatchObject({ code: 'LLM_ERR_UPSTREAM', status: 503, message: '503 Service Unavailable' })
})
