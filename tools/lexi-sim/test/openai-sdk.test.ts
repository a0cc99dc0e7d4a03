import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
} from 'openai'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim, type LexiSimOptions } from '../src/index'

/** Issue 3, acceptance point 3: the official SDK (v6) against the simulator, faults as vLLM raises them. */
const hi: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello.' }]
const sdk = (sim: LexiSim, opts: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI =>
  new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 3_000, ...opts })

async function withSim<T>(opts: LexiSimOptions, fn: (sim: LexiSim) => Promise<T>): Promise<T> {
  const sim = await startLexiSim({ port: 0, timeScale: 0, ...opts })
  try {
    return await fn(sim)
  } finally {
    await sim.close()
  }
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection')
}

describe('openai SDK v6 against lexi-sim', () => {
  let sim: LexiSim
  beforeAll(async () => {
    sim = await startLexiSim({ port: 0, timeScale: 0 })
  })
  afterAll(async () => {
    await sim.close()
  })

  test('completes a chat with content, finish_reason and usage', async () => {
    const r = await sdk(sim).chat.completions.create({ model: 'Lexi', messages: hi, temperature: 0, top_p: 1, max_tokens: 64 })
    expect(r.choices[0]?.message.content?.length).toBeGreaterThan(0)
    expect(r.choices[0]?.finish_reason).toMatch(/^(stop|length)$/)
    expect(r.usage?.total_tokens).toBe((r.usage?.prompt_tokens ?? 0) + (r.usage?.completion_tokens ?? 0))
  })

  test('streams a chat whose deltas join to the non-stream answer', async () => {
    const client = sdk(sim)
    const whole = await client.chat.completions.create({ model: 'Lexi', messages: hi, temperature: 0, max_tokens: 40 })
    const stream = await client.chat.completions.create({
      model: 'Lexi',
      messages: hi,
      temperature: 0,
      max_tokens: 40,
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe(whole.choices[0]?.message.content)
    expect(usage?.completion_tokens).toBe(whole.usage?.completion_tokens)
  })

  test('engine_dead → InternalServerError "500 status code (no body)"', async () => {
    await withSim({ faults: { engine_dead: true } }, async (s) => {
      const e = await caught(sdk(s).chat.completions.create({ model: 'Lexi', messages: hi }))
      expect(e).toBeInstanceOf(InternalServerError)
      expect([(e as APIError).status, (e as APIError).message]).toEqual([500, '500 status code (no body)'])
    })
  })

  test('overloaded → InternalServerError with status 503', async () => {
    await withSim({ faults: { overloaded: true } }, async (s) => {
      const e = await caught(sdk(s).chat.completions.create({ model: 'Lexi', messages: hi }))
      expect(e).toBeInstanceOf(InternalServerError)
      expect((e as APIError).status).toBe(503)
    })
  })

  test('flat envelope (0.10.0) loses the message as "400 status code (no body)"; nested (0.10.2) keeps it', async () => {
    const tooLarge = { model: 'Lexi', messages: hi, max_tokens: 5000 }
    await withSim({ vllmVersion: '0.10.0' }, async (s) => {
      const e = await caught(sdk(s).chat.completions.create(tooLarge))
      expect(e).toBeInstanceOf(BadRequestError)
      expect((e as APIError).message).toBe('400 status code (no body)')
    })
    const e = await caught(sdk(sim).chat.completions.create(tooLarge))
    expect(e).toBeInstanceOf(BadRequestError)
    expect((e as APIError).message).toMatch(
      /^400 'max_tokens' or 'max_completion_tokens' is too large: 5000\. This model's maximum context length is 4096 tokens/,
    )
    expect((e as APIError).code).toBe(400)
  })

  test('a wrong API key → AuthenticationError 401 "Unauthorized"; an unknown model → NotFoundError', async () => {
    await withSim({ apiKey: 'right' }, async (s) => {
      const e = await caught(sdk(s, { apiKey: 'wrong' }).models.list())
      expect(e).toBeInstanceOf(AuthenticationError)
      expect((e as APIError).message).toBe('401 "Unauthorized"')
      const models = await sdk(s, { apiKey: 'right' }).models.list()
      expect(models.data[0]?.id).toBe('Lexi')
    })
    const e = await caught(sdk(sim).chat.completions.create({ model: 'gpt-4o', messages: hi }))
    expect(e).toBeInstanceOf(NotFoundError)
    expect((e as APIError).message).toBe('404 The model `gpt-4o` does not exist.')
  })

  test('stream_error → the iterator throws an APIError from the in-band frame', async () => {
    await withSim({ faults: { stream_error: 1 } }, async (s) => {
      const stream = await sdk(s).chat.completions.create({ model: 'Lexi', messages: hi, max_tokens: 20, stream: true })
      const e = await caught(
        (async () => {
          for await (const _ of stream) {
            /* drain */
          }
        })(),
      )
      expect(e).toBeInstanceOf(APIError)
      expect((e as APIError).status).toBeUndefined()
      expect((e as APIError).message).toContain('Simulated engine error')
    })
  })

  test('reset (non-stream) and down → APIConnectionError; the port comes back when down clears', async () => {
    await withSim({ faults: { reset: 1 } }, async (s) => {
      expect(await caught(sdk(s).chat.completions.create({ model: 'Lexi', messages: hi }))).toBeInstanceOf(APIConnectionError)
    })
    await withSim({}, async (s) => {
      const client = sdk(s)
      await s.setFaults({ down: true })
      const e = await caught(client.chat.completions.create({ model: 'Lexi', messages: hi }))
      expect(e).toBeInstanceOf(APIConnectionError)
      expect((e as Error).message).toBe('Connection error.')
      await s.setFaults({ down: false })
      expect((await client.chat.completions.create({ model: 'Lexi', messages: hi, max_tokens: 4 })).choices).toHaveLength(1)
    })
  })

  test('wedged → APIConnectionTimeoutError once the SDK timeout passes', async () => {
    await withSim({ faults: { wedged: true } }, async (s) => {
      const e = await caught(sdk(s, { timeout: 300 }).chat.completions.create({ model: 'Lexi', messages: hi }))
      expect(e).toBeInstanceOf(APIConnectionTimeoutError)
    })
  })
})
