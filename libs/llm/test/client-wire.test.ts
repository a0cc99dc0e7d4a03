import OpenAI, { APIError } from 'openai'
import { Agent } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, LlmUpstreamError, type ChatMessage, type LlmClientInstance, type StreamChunk } from '@pulsetrade/llm'
import { chunk, sseStart, startServer } from './client-fixtures'

/**
 * The client speaks HTTP itself (undici + eventsource-parser). The openai SDK, a test dependency
 * only, is the reference: against the same simulator it must read what the client reads.
 */
const messages: ChatMessage[] = [{ role: 'user', content: 'Describe the trend of SPX in two sentences.' }]
const sampling = { temperature: 0, top_p: 1, max_tokens: 48, seed: 11 }

let sim: LexiSim
let client: LlmClientInstance
let sdk: OpenAI
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0, seed: 3 })
  client = createLlmClient({ baseURL: `${sim.url}/v1`, timeoutMs: 5_000 })
  sdk = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'EMPTY', maxRetries: 0, timeout: 5_000 })
})
afterAll(async () => {
  await client.close()
  await sim.close()
})

async function collect(it: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const out: StreamChunk[] = []
  for await (const c of it) out.push(c)
  return out
}

describe('wire compatible with the openai SDK', () => {
  test("a stream reads the same text and finish reason as the SDK's stream and as the plain completion", async () => {
    const ours = await collect(client.chatStream({ messages, sampling }))
    const theirs = await sdk.chat.completions.create({ model: 'Lexi', messages, ...sampling, stream: true, stream_options: { include_usage: true } })
    let text = ''
    let finish: string | null = null
    for await (const c of theirs) {
      text += c.choices[0]?.delta.content ?? ''
      finish = c.choices[0]?.finish_reason ?? finish
    }
    expect(ours.map((c) => c.delta).join('')).toBe(text)
    expect(ours.at(-1)?.finish_reason).toBe(finish)
    const plain = await client.chat({ messages, sampling }, { cache: false })
    expect(plain.text).toBe(text)
  })

  test('models() lists what the SDK lists', async () => {
    const page = await sdk.models.list()
    expect((await client.models()).map((m) => m.id)).toEqual(page.data.map((m) => m.id))
  })

  test("an in-band error frame: the SDK throws APIError, the client LlmUpstreamError, both with vLLM's message", async () => {
    await sim.setFaults({ stream_error: 1 })
    try {
      const ours = await collect(client.chatStream({ messages, sampling })).catch((e: unknown) => e)
      const theirs = await (async () => {
        const s = await sdk.chat.completions.create({ model: 'Lexi', messages, ...sampling, stream: true })
        for await (const _c of s) {
          /* until the error frame */
        }
      })().catch((e: unknown) => e)
      expect(ours).toBeInstanceOf(LlmUpstreamError)
      expect(theirs).toBeInstanceOf(APIError)
      expect((ours as Error).message).toContain('stream_error fault')
      expect((theirs as Error).message).toContain('stream_error fault')
    } finally {
      await sim.resetFaults()
    }
  })
})

test('a finished stream leaves its socket open for the next request (the body is read to its end after [DONE])', async () => {
  const server = await startServer((_r, res) => {
    const send = sseStart(res)
    send(chunk('a'))
    send(chunk(null, 'stop'))
    send('[DONE]')
    res.end()
  })
  let connects = 0
  const agent = new Agent({ connections: 1, connect: { timeout: 2_000 } }).on('connect', () => {
    connects++
  })
  const c = createLlmClient({ baseURL: server.url, timeoutMs: 2_000, dispatcher: () => agent })
  try {
    for (let i = 0; i < 3; i++) expect((await collect(c.chatStream({ messages, sampling }))).map((x) => x.delta).join('')).toBe('a')
    expect(server.requests).toHaveLength(3)
    expect(connects).toBe(1)
  } finally {
    await c.close()
    await agent.close()
    await server.close()
  }
})
