import { afterEach, describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { countChatTokens, countTextTokens, startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, estimatePromptTokens, type ChatMessage, type LlmClientInstance } from '@pulsetrade/llm'
import { estimateTextTokens, promptTokensUpperBound } from '../src/client/prompt-budget'
import { AnswerSchema, completion, renderedPrompt, sendJson, startServer, validAnswer, type TestServer } from './client-fixtures'

const word = fc.stringMatching(/^[A-Za-z]{1,14}$/)
const number = fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x.toFixed(4))
const punct = fc.constantFrom(',', '.', ':', '{', '}', '"', '[', ']', '%', '-', '\n', '  ', '\t', ' – ', '→', 'é', '株')
const prose = fc.array(fc.oneof(word, word, word, number, punct), { maxLength: 120 }).map((parts) => parts.join(' '))

describe('prompt token estimate', () => {
  test("never below the simulator's Qwen approximation, for prose, numbers and arbitrary text", () => {
    fc.assert(
      fc.property(prose, (text) => estimateTextTokens(text) >= countTextTokens(text)),
      { numRuns: 2_000 },
    )
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => estimateTextTokens(text) >= countTextTokens(text)),
      { numRuns: 2_000 },
    )
    for (const text of ['\n  – ', '   0.0000', '\t 0.0000', 'a b c d e f', '\n   7', "it's 5 o'clock", '株式会社 123']) {
      expect(estimateTextTokens(text)).toBeGreaterThanOrEqual(countTextTokens(text))
    }
  })

  test("chat template overhead included, with Qwen's default system prompt when none is sent", () => {
    const role = fc.constantFrom<ChatMessage['role']>('system', 'user', 'assistant')
    fc.assert(
      fc.property(
        fc.array(fc.record({ role, content: prose }), { minLength: 1, maxLength: 4 }),
        (messages) => estimatePromptTokens(messages) >= countChatTokens(messages),
      ),
      { numRuns: 300 },
    )
    const noSystem = estimatePromptTokens([{ role: 'user', content: 'hi' }])
    const withSystem = estimatePromptTokens([
      { role: 'system', content: '' },
      { role: 'user', content: 'hi' },
    ])
    expect(noSystem).toBeGreaterThan(withSystem + 10)
  })

  test('the O(1)-per-message upper bound the client checks first is never below the estimate', () => {
    const role = fc.constantFrom<ChatMessage['role']>('system', 'user', 'assistant')
    const text = fc.oneof(prose, fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }))
    fc.assert(
      fc.property(
        fc.array(fc.record({ role, content: text }), { minLength: 1, maxLength: 4 }),
        (messages) => promptTokensUpperBound(messages) >= estimatePromptTokens(messages),
      ),
      { numRuns: 2_000 },
    )
  })

  test('stays within about 2x of the simulator count on a realistic prompt (not wastefully high)', () => {
    const content =
      'Symbol ACME, horizon 5 days. Forecast mu 0.0123, sigma 0.0456, p_up 0.61. Signals: ret_1 -0.004, ' +
      'rsi_14 58.2, zscore_20 1.3. Explain the main drivers and risks of this forecast in plain words for a trader.'
    const msgs: ChatMessage[] = [
      { role: 'system', content: 'You are a careful trading analyst. Answer in JSON.' },
      { role: 'user', content },
    ]
    expect(estimatePromptTokens(msgs) / countChatTokens(msgs)).toBeLessThan(2)
  })
})

let server: TestServer | undefined
let sim: LexiSim | undefined
let client: LlmClientInstance | undefined
afterEach(async () => {
  await client?.close()
  await server?.close()
  await sim?.close()
  client = undefined
  server = undefined
  sim = undefined
})

describe('prompt budget', () => {
  test('tokenize "server" asks vLLM /tokenize and refuses with its count', async () => {
    server = await startServer((r, res) => {
      if (r.path === '/tokenize') {
        sendJson(res, 200, { count: 3_950, max_model_len: 4096, tokens: [], token_strs: null })
        return
      }
      sendJson(res, 200, completion(validAnswer))
    })
    client = createLlmClient({ baseURL: server.url, tokenize: 'server', timeoutMs: 2_000 })
    const r = await client.structured(renderedPrompt({ sampling: { temperature: 0, top_p: 1, max_tokens: 200 } }), AnswerSchema)
    expect(r.error).toEqual({
      code: 'LLM_ERR_PROMPT_TOO_LONG',
      cause: null,
      message: 'prompt needs about 3950 tokens + max_tokens 200 = 4150, over the context limit of 4096 tokens',
    })
    expect(server.requests.map((q) => q.path)).toEqual(['/tokenize'])
    expect(server.requests[0]?.body).toMatchObject({ model: 'Lexi', add_generation_prompt: true })
  })

  test('tokenize "server" against lexi-sim lets a fitting prompt through', async () => {
    sim = await startLexiSim({ port: 0, fixedLatencyMs: 5 })
    client = createLlmClient({ baseURL: `${sim.url}/v1`, tokenize: 'server', timeoutMs: 2_000 })
    expect((await client.structured(renderedPrompt(), AnswerSchema)).ok).toBe(true)
    expect(sim.stats().byRoute['/tokenize']).toBe(1)
  })

  test('a prompt longer in characters than the limit is still counted, and sent when its estimate fits', async () => {
    server = await startServer((_r, res) => {
      sendJson(res, 200, completion(validAnswer))
    })
    client = createLlmClient({ baseURL: server.url, timeoutMs: 2_000, maxContextTokens: 4096 })
    const content = 'word '.repeat(1_000) // 5,000 characters; about 2,000 tokens by the estimate
    expect(estimatePromptTokens([{ role: 'user', content }]) + 512).toBeLessThan(4096)
    const r = await client.structured(
      renderedPrompt({ messages: [{ role: 'user', content }], sampling: { temperature: 0, top_p: 1, max_tokens: 512 } }),
      AnswerSchema,
    )
    expect(r.ok).toBe(true)
    expect(server.requests).toHaveLength(1)
  })

  test('when /tokenize fails the estimate is used instead', async () => {
    server = await startServer((r, res) => {
      if (r.path === '/tokenize') {
        sendJson(res, 404, { detail: 'Not Found' })
        return
      }
      sendJson(res, 200, completion(validAnswer))
    })
    client = createLlmClient({ baseURL: server.url, tokenize: 'server', timeoutMs: 2_000 })
    expect((await client.structured(renderedPrompt(), AnswerSchema)).ok).toBe(true)
  })
})
