import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { createLlmClient, llmResultSchema } from '@pulsetrade/llm'
import {
  AnswerSchema,
  completion,
  deadUrl,
  nestedError,
  renderedPrompt,
  sendJson,
  startServer,
  validAnswer,
  type TestServer,
  useTestResources,
} from './client-fixtures'

const t = useTestResources()

const resultSchema = llmResultSchema(AnswerSchema)

/** A server answering the n-th request with answers[n-1] (last one repeats). */
async function answering(...answers: Array<string | { text: string; finish: string }>): Promise<TestServer> {
  return startServer((_r, res, n) => {
    const a = answers[Math.min(n, answers.length) - 1] ?? ''
    const text = typeof a === 'string' ? a : a.text
    sendJson(res, 200, completion(text, { finish: typeof a === 'string' ? 'stop' : a.finish, prompt_tokens: 50, completion_tokens: 10 }))
  })
}

describe('structured', () => {
  test('sends response_format json_schema derived from zod, explicit sampling and the seed', async () => {
    t.server = await answering(validAnswer)
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    const prompt = renderedPrompt({ sampling: { temperature: 0.3, top_p: 0.8, max_tokens: 120, seed: 7 } })
    const r = await t.client.structured(prompt, AnswerSchema)
    const body = t.server.requests[0]?.body
    expect(body).toMatchObject({ model: 'Lexi', temperature: 0.3, top_p: 0.8, max_tokens: 120, seed: 7, messages: prompt.messages })
    expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'policy', schema: z.toJSONSchema(AnswerSchema), strict: true } })
    expect(resultSchema.parse(r)).toMatchObject({
      prompt: 'policy',
      version: '1.0.0',
      hash: 'sha256:test',
      arm: null,
      bucket: null,
      ok: true,
      valid_json: true,
      repaired: false,
      cached: false,
      parsed: { decision: 'allow', score: 0.7 },
      raw: validAnswer,
      finish_reason: 'stop',
      usage: { prompt_tokens: 50, completion_tokens: 10 },
      error: null,
    })
    expect(r.request_id).toBe(t.server.requests[0]?.headers['x-request-id'])
  })

  test("the prompt's own JSON schema, when given, is sent instead of the zod-derived one", async () => {
    t.server = await answering(validAnswer)
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    const jsonSchema = { type: 'object', properties: { decision: { type: 'string' } } }
    await t.client.structured(renderedPrompt({ jsonSchema }), AnswerSchema)
    expect(t.server.requests[0]?.body.response_format.json_schema.schema).toEqual(jsonSchema)
  })

  test('invalid JSON gets one repair round that names the problem, then a repaired result', async () => {
    const bad = '{"decision": "allow", "score": '
    t.server = await answering(bad, validAnswer)
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    const r = resultSchema.parse(await t.client.structured(renderedPrompt(), AnswerSchema))
    expect(r).toMatchObject({ ok: true, valid_json: true, repaired: true, raw: validAnswer, usage: { prompt_tokens: 100, completion_tokens: 20 } })
    const repair = t.server.requests[1]?.body.messages
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: bad.trim() })
    expect(repair.at(-1).role).toBe('user')
    expect(repair.at(-1).content).toContain('not valid JSON')
    expect(repair.at(-1).content).toContain('only the corrected JSON')
  })

  test('the first raw answer is kept as first_raw when a repair ran', async () => {
    t.server = await answering('not json', validAnswer)
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    const r = await t.client.structured(renderedPrompt(), AnswerSchema)
    expect(r.first_raw).toBe('not json')
  })

  test('a schema mismatch is repaired with the zod problem in the message', async () => {
    t.server = await answering('{"decision":"maybe","score":3}', validAnswer)
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    const r = await t.client.structured(renderedPrompt(), AnswerSchema)
    expect(r.repaired).toBe(true)
    expect(t.server.requests[1]?.body.messages.at(-1).content).toMatch(/does not match the required schema.*decision/s)
  })

  test('finish_reason "length" is treated as invalid even when the text parses', async () => {
    t.server = await answering({ text: validAnswer, finish: 'length' }, validAnswer)
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    const r = await t.client.structured(renderedPrompt(), AnswerSchema)
    expect(r).toMatchObject({ repaired: true, finish_reason: 'stop' })
    expect(t.server.requests[1]?.body.messages.at(-1).content).toContain('finish_reason "length"')
  })

  test('still invalid after the repair: ok false, valid_json false, LLM_ERR_INVALID_JSON, raw kept', async () => {
    const runaway = `{"decision": "allow",${' \n'.repeat(3000)}`
    t.server = await answering({ text: runaway, finish: 'length' }, '{"decision":')
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    const r = resultSchema.parse(await t.client.structured(renderedPrompt(), AnswerSchema))
    expect(r).toMatchObject({ ok: false, valid_json: false, repaired: false, parsed: null, raw: '{"decision":' })
    expect(r.error?.code).toBe('LLM_ERR_INVALID_JSON')
    expect(t.server.requests).toHaveLength(2) // exactly one repair round
    // The runaway whitespace is collapsed before it is echoed back.
    expect(t.server.requests[1]?.body.messages.at(-2).content.length).toBeLessThan(100)
  })

  test('never throws for upstream failures: ok false with the typed code', async () => {
    t.client = createLlmClient({ baseURL: await deadUrl(), timeoutMs: 2_000, maxRetries: 0 })
    const r = resultSchema.parse(await t.client.structured(renderedPrompt(), AnswerSchema))
    expect(r).toMatchObject({ ok: false, valid_json: false, parsed: null, raw: '', prompt: 'policy' })
    expect(r.error?.code).toBe('LLM_ERR_UNREACHABLE')
    expect(r.error?.message).toMatch(/^connect ECONNREFUSED/)
  })

  test("a 400 during structured is returned, not thrown, with vLLM's message", async () => {
    t.server = await startServer((_r, res) => {
      sendJson(res, 400, nestedError('response_format is invalid'))
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    const r = await t.client.structured(renderedPrompt(), AnswerSchema)
    expect(r.error).toEqual({ code: 'LLM_ERR_BAD_REQUEST', cause: null, message: 'response_format is invalid' })
  })

  test('a prompt that cannot fit the context is refused before any request, giving both numbers', async () => {
    t.server = await answering(validAnswer)
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000, maxContextTokens: 4096 })
    const long = renderedPrompt({ messages: [{ role: 'user', content: 'word '.repeat(9000) }], sampling: { temperature: 0, top_p: 1, max_tokens: 512 } })
    const r = await t.client.structured(long, AnswerSchema)
    expect(r.error?.code).toBe('LLM_ERR_PROMPT_TOO_LONG')
    expect(r.error?.message).toMatch(/about \d+ tokens \+ max_tokens 512 = \d+, over the context limit of 4096 tokens/)
    expect(t.server.requests).toHaveLength(0)
  })
})
