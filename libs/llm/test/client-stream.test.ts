import { beforeAll, describe, expect, test } from 'vitest'
import { createLlmClient, LlmContextLengthError, LlmTimeoutError, LlmUnreachableError, LlmUpstreamError, type StreamChunk } from '@pulsetrade/llm'
import { chunk, deadlineWatch, delay, sseStart, startServer, warmUp, useTestResources } from './client-fixtures'

const req = { messages: [{ role: 'user' as const, content: 'tell me' }], sampling: { temperature: 0.2, top_p: 0.9, max_tokens: 64 } }

beforeAll(warmUp)

const t = useTestResources()

async function collect(it: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const out: StreamChunk[] = []
  for await (const c of it) out.push(c)
  return out
}

describe('chatStream', () => {
  test('yields deltas then the finish reason, sending stream:true with explicit sampling', async () => {
    t.server = await startServer((_r, res) => {
      const send = sseStart(res)
      send(chunk(null))
      send(chunk('Hel'))
      send(chunk('lo'))
      send(chunk('', 'stop'))
      send({
        id: 'chatcmpl-s',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'Lexi',
        choices: [],
        usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
      })
      send('[DONE]')
      res.end()
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    const chunks = await collect(t.client.chatStream(req))
    expect(chunks.map((c) => c.delta).join('')).toBe('Hello')
    expect(chunks.at(-1)?.finish_reason).toBe('stop')
    expect(t.server.requests[0]?.body).toMatchObject({ model: 'Lexi', stream: true, temperature: 0.2, top_p: 0.9, max_tokens: 64 })
  })

  test('breaking out of the loop aborts the upstream request (socket closed, slot freed)', async () => {
    t.server = await startServer(async (_r, res) => {
      const send = sseStart(res)
      for (let i = 0; i < 200 && !res.destroyed; i++) {
        send(chunk(`t${i} `))
        await delay(10)
      }
      res.end()
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 5_000 })
    let n = 0
    for await (const _c of t.client.chatStream(req)) {
      if (++n === 3) break
    }
    await Promise.race([
      t.server.requests[0]?.closedEarly,
      delay(500).then(() => {
        throw new Error('upstream not aborted')
      }),
    ])
    expect(t.client.stats().inFlight).toBe(0)
  })

  test('a consumer that stops pulling without return() still gives the slot back at the deadline', async () => {
    t.server = await startServer(async (_r, res) => {
      const send = sseStart(res)
      for (let i = 0; i < 200 && !res.destroyed; i++) {
        send(chunk('x'))
        await delay(10)
      }
      res.end()
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 300, streamIdleMs: 5_000 })
    const it = t.client.chatStream(req)[Symbol.asyncIterator]()
    await it.next() // then abandoned: no next(), no return()
    expect(t.client.stats().inFlight).toBe(1)
    await Promise.race([
      t.server.requests[0]?.closedEarly,
      delay(800).then(() => {
        throw new Error('upstream not aborted')
      }),
    ])
    expect(t.client.stats().inFlight).toBe(0)
  })

  test("an in-band error frame after the stream started becomes a typed error with vLLM's message", async () => {
    t.server = await startServer((_r, res) => {
      const send = sseStart(res)
      send(chunk(null))
      send(chunk('par'))
      send({ error: { message: 'Internal server error', type: 'InternalServerError', param: null, code: 500 } })
      send('[DONE]')
      res.end()
    })
    const llm = (t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 }))
    const got: string[] = []
    const err = await (async () => {
      for await (const c of llm.chatStream(req)) got.push(c.delta)
    })().catch((e: unknown) => e)
    expect(got).toEqual(['par'])
    expect(err).toBeInstanceOf(LlmUpstreamError)
    expect(err).toMatchObject({ status: 500, message: '500 Internal server error' })
    expect(t.server.requests).toHaveLength(1)
  })

  test('an in-band context-length error frame is LLM_ERR_CONTEXT_LENGTH', async () => {
    t.server = await startServer((_r, res) => {
      const send = sseStart(res)
      send({
        error: {
          message:
            "This model's maximum context length is 4096 tokens. However, your request has 4200 input tokens. Please reduce the length of the input messages.",
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      })
      send('[DONE]')
      res.end()
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000 })
    await expect(collect(t.client.chatStream(req))).rejects.toBeInstanceOf(LlmContextLengthError)
  })

  test('a stream that stalls after the headers ends in an idle timeout, not a hang', async () => {
    t.server = await startServer((_r, res) => {
      const send = sseStart(res)
      send(chunk(null))
      send(chunk('a'))
      // then nothing, forever
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 10_000, streamIdleMs: 200 })
    const watch = deadlineWatch(200)
    const err = await collect(t.client.chatStream(req)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmTimeoutError)
    expect(err).toMatchObject({ phase: 'stream_idle', timeoutMs: 200 })
    expect(watch.elapsed()).toBeLessThanOrEqual(watch.bound(100)) // idle starts once the headers and first chunks arrived
    await Promise.race([
      t.server.requests[0]?.closedEarly,
      delay(500).then(() => {
        throw new Error('upstream not aborted')
      }),
    ])
  })

  test('a trickling stream is cut at the total deadline even though it is never idle', async () => {
    t.server = await startServer(async (_r, res) => {
      const send = sseStart(res)
      for (let i = 0; i < 500 && !res.destroyed; i++) {
        send(chunk('x'))
        await delay(20)
      }
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 300, streamIdleMs: 1_000 })
    const watch = deadlineWatch(300)
    const err = await collect(t.client.chatStream(req)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmTimeoutError)
    expect(err).toMatchObject({ phase: 'stream', message: 'timeout after 300 ms (stream)' })
    expect(watch.elapsed()).toBeLessThanOrEqual(watch.bound(50))
  })

  test('a reset mid-stream is LLM_ERR_UNREACHABLE and is not retried once tokens reached the caller', async () => {
    t.server = await startServer(async (_r, res) => {
      const send = sseStart(res)
      send(chunk('a'))
      await delay(30)
      res.socket?.destroy()
    })
    t.client = createLlmClient({ baseURL: t.server.url, timeoutMs: 2_000, maxRetries: 2 })
    const err = await collect(t.client.chatStream(req)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LlmUnreachableError)
    expect(t.server.requests).toHaveLength(1)
  })
})
