import { expect, test } from 'vitest'
import type { Mode } from './endpoints'
import { call, greedy, simTarget, type ContractTarget } from './target'

type Get = () => ContractTarget
const hi = [{ role: 'user', content: 'Say hello.' }]
const longPrompt = [{ role: 'user', content: 'word '.repeat(5000) }]

/** The context-length texts of vLLM, written out literally per wording. */
function expectedContextTexts(version: string, L: number, P: number, M: number): { promptOnly: string; withMax: string; legacy: boolean } {
  const legacy = !/^0\.(1\d|[2-9]\d)\.|^[1-9]/.test(version)
  const none = /^0\.10\./.test(version) ? ' None' : ''
  if (legacy) {
    return {
      legacy,
      promptOnly: `This model's maximum context length is ${L} tokens. However, you requested ${P} tokens in the messages, Please reduce the length of the messages.`,
      withMax: `This model's maximum context length is ${L} tokens. However, you requested ${P + M} tokens (${P} in the messages, ${M} in the completion). Please reduce the length of the messages or completion.`,
    }
  }
  return {
    legacy,
    promptOnly: `This model's maximum context length is ${L} tokens. However, your request has ${P} input tokens. Please reduce the length of the input messages.${none}`,
    withMax: `'max_tokens' or 'max_completion_tokens' is too large: ${M}. This model's maximum context length is ${L} tokens and your request has ${P} input tokens (${M} > ${L} - ${P}).${none}`,
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- either envelope
function messageOf(body: any, envelope: 'flat' | 'nested'): string {
  return envelope === 'flat' ? body.message : body.error.message
}

async function checkContext(target: Pick<ContractTarget, 'url' | 'apiKey' | 'version' | 'maxModelLen' | 'behaviour'>): Promise<void> {
  const L = target.maxModelLen
  const long = (await call(target.url, '/tokenize', { body: { messages: longPrompt } })).json().count as number
  const short = (await call(target.url, '/tokenize', { body: { messages: hi } })).json().count as number
  const tooLong = await call(target.url, '/v1/chat/completions', { apiKey: target.apiKey, body: { messages: longPrompt, ...greedy } })
  expect(tooLong.status).toBe(400)
  expect(messageOf(tooLong.json(), target.behaviour.envelope)).toBe(expectedContextTexts(target.version, L, long, 0).promptOnly)
  const tooMuch = await call(target.url, '/v1/chat/completions', { apiKey: target.apiKey, body: { messages: hi, max_tokens: L, ...greedy } })
  expect(tooMuch.status).toBe(400)
  expect(messageOf(tooMuch.json(), target.behaviour.envelope)).toBe(expectedContextTexts(target.version, L, short, L).withMax)
  expect(messageOf(tooMuch.json(), target.behaviour.envelope)).toMatch(new RegExp(`maximum context length is ${L}`))
}

/** Contract section 6, items 4 and 5, and section 2's other validations. */
export function errorTests(t: Get, mode: Mode): void {
  test('4. context overflow: prompt >= max_model_len and prompt + max_tokens > max_model_len give the exact text', async () => {
    await checkContext(t())
  })

  test.skipIf(mode.real)('4/5. each version plays its wording, " None" suffix and envelope', async () => {
    for (const version of ['0.9.2', '0.10.0', '0.10.2', '0.12.0']) {
      const s = await simTarget({ vllmVersion: version })
      try {
        await checkContext(s)
        const r = await call(s.url, '/v1/chat/completions', { body: { model: 'x', messages: hi } })
        const flat = version === '0.9.2' || version === '0.10.0'
        const error = { message: 'The model `x` does not exist.', type: 'NotFoundError', param: null, code: 404 }
        expect([version, r.json()]).toEqual([version, flat ? { object: 'error', ...error } : { error }])
        if (version === '0.9.2') {
          // Legacy: with max_tokens set, even a prompt over the limit gets the combined wording.
          const L = s.maxModelLen
          const P = (await call(s.url, '/tokenize', { body: { messages: longPrompt } })).json().count as number
          const both = await call(s.url, '/v1/chat/completions', { body: { messages: longPrompt, max_tokens: 10 } })
          expect(both.json().message).toBe(expectedContextTexts(version, L, P, 10).withMax)
        }
      } finally {
        await s.close()
      }
    }
  })

  test("5. errors carry an integer code in the version's envelope", async () => {
    const r = await call(t().url, '/v1/chat/completions', { apiKey: t().apiKey, body: { messages: hi, max_tokens: t().maxModelLen, ...greedy } })
    const body = r.json()
    const err = t().behaviour.envelope === 'flat' ? body : body.error
    if (t().behaviour.envelope === 'flat') expect(body.object).toBe('error')
    else expect(Object.keys(body)).toEqual(['error'])
    expect(err).toMatchObject({ type: 'BadRequestError', param: null, code: 400 })
    expect(Number.isInteger(err.code)).toBe(true)
  })

  test('section 2 validations: stream_options, top_logprobs, continue_final_message, tool_choice auto give 400', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ stream_options: { include_usage: true } }, 'Stream options can only be defined when `stream=True`.'],
      [{ top_logprobs: 2 }, 'when using `top_logprobs`, `logprobs` must be set to true.'],
      [{ continue_final_message: true, add_generation_prompt: true }, 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.'],
      [
        { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }], tool_choice: 'auto' },
        '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
      ],
    ]
    for (const [extra, text] of cases) {
      const r = await call(t().url, '/v1/chat/completions', { apiKey: t().apiKey, body: { messages: hi, max_tokens: 4, ...greedy, ...extra } })
      expect([r.status, messageOf(r.json(), t().behaviour.envelope)]).toEqual([400, expect.stringContaining(text)])
    }
  })

  test('section 2: more than one guided_* is a 400 where guided decoding exists (<0.12)', async () => {
    const r = await call(t().url, '/v1/chat/completions', {
      apiKey: t().apiKey,
      body: { messages: hi, max_tokens: 4, guided_choice: ['a', 'b'], guided_regex: 'a|b', ...greedy },
    })
    if (!t().behaviour.guidedHonoured) {
      expect(r.status).toBe(200)
      return
    }
    expect(r.status).toBe(400)
    expect(r.text).toContain("You can only use one kind of guided decoding ('guided_json', 'guided_regex' or 'guided_choice').")
  })

  test('a non-JSON Content-Type is refused: 400 envelope from 0.10, 415 {"detail"} before', async () => {
    const r = await call(t().url, '/v1/chat/completions', {
      apiKey: t().apiKey,
      raw: JSON.stringify({ messages: hi }),
      headers: { 'content-type': 'text/plain' },
    })
    expect(r.status).toBe(t().behaviour.mediaTypeStatus)
    expect(r.text).toContain("Unsupported Media Type: Only 'application/json' is allowed")
    if (mode.real) return
    const old = await simTarget({ vllmVersion: '0.9.2' })
    try {
      const r415 = await call(old.url, '/v1/chat/completions', { raw: '{}', headers: { 'content-type': 'text/plain' } })
      expect([r415.status, r415.text]).toEqual([415, '{"detail":"Unsupported Media Type: Only \'application/json\' is allowed"}'])
    } finally {
      await old.close()
    }
  })
}
