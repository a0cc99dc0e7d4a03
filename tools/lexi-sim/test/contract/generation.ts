import { expect, test } from 'vitest'
import { z } from 'zod'
import type { Mode } from './endpoints'
import { call, greedy, simTarget, type ContractTarget } from './target'

type Get = () => ContractTarget
const hi = [{ role: 'user', content: 'Say hello.' }]
const QWEN_SYSTEM = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.'

export const Policy = z.object({
  decision: z.enum(['allow', 'deny']),
  size_factor: z.number().gt(0).max(1),
  reason: z.string().min(1).max(400),
  risk_flags: z.array(z.string().min(1).max(64)).max(8),
})
const policyFormat = { type: 'json_schema', json_schema: { name: 'policy', schema: z.toJSONSchema(Policy), strict: true } }

const chat = async (t: ContractTarget, body: Record<string, unknown>) => call(t.url, '/v1/chat/completions', { apiKey: t.apiKey, body: { ...greedy, ...body } })
const tokens = async (t: ContractTarget, messages: unknown): Promise<number> => (await call(t.url, '/tokenize', { body: { messages } })).json().count

/** Contract section 6, items 7, 8, 11 and 12. */
export function generationTests(t: Get, mode: Mode): void {
  test('7. chat without max_tokens may generate up to max_model_len - prompt tokens', async () => {
    const L = t().maxModelLen
    const head = 'Repeat after me:'
    const base = await tokens(t(), [{ role: 'user', content: head }])
    const messages = [{ role: 'user', content: head + ' ok'.repeat(L - base - 12) }]
    const P = await tokens(t(), messages)
    const r = (await chat(t(), { messages, ignore_eos: true })).json()
    expect(r.usage).toMatchObject({ prompt_tokens: P, completion_tokens: L - P })
    expect(r.choices[0].finish_reason).toBe('length')
  })

  test('7. /v1/completions defaults max_tokens to 16; max_completion_tokens wins over max_tokens', async () => {
    const c = (await call(t().url, '/v1/completions', { apiKey: t().apiKey, body: { prompt: 'Once upon a time', ignore_eos: true, ...greedy } })).json()
    expect([c.usage.completion_tokens, c.choices[0].finish_reason]).toEqual([16, 'length'])
    const r = (await chat(t(), { messages: hi, max_tokens: 50, max_completion_tokens: 5, ignore_eos: true })).json()
    expect([r.usage.completion_tokens, r.choices[0].finish_reason]).toEqual([5, 'length'])
  })

  test('8. finish_reason is "length" exactly when the budget runs out, else "stop" with stop_reason null', async () => {
    const full = (await chat(t(), { messages: hi, max_tokens: 300 })).json()
    expect(full.choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: null })
    const C = full.usage.completion_tokens as number // includes the EOS token
    const cut = (await chat(t(), { messages: hi, max_tokens: C - 1 })).json()
    expect([cut.choices[0].finish_reason, cut.usage.completion_tokens]).toEqual(['length', C - 1])
    const exact = (await chat(t(), { messages: hi, max_tokens: C })).json()
    expect([exact.choices[0].finish_reason, exact.choices[0].message.content]).toEqual(['stop', full.choices[0].message.content])
  })

  test('8. stop strings cut the output, are excluded unless include_stop_str_in_output, and fill stop_reason', async () => {
    const text = (await chat(t(), { messages: hi, max_tokens: 40, ignore_eos: true })).json().choices[0].message.content as string
    const word = text.split(' ').filter((w) => /^[a-z]{3,}$/i.test(w))[2] as string
    const stop = ` ${word}`
    const at = text.indexOf(stop)
    expect(at).toBeGreaterThan(0)
    const r = (await chat(t(), { messages: hi, stop: [stop, 'never-appears-xyz'], ignore_eos: true, max_tokens: 40 })).json()
    expect(r.choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: stop, message: { content: text.slice(0, at) } })
    const kept = (await chat(t(), { messages: hi, stop, include_stop_str_in_output: true, ignore_eos: true, max_tokens: 40 })).json()
    expect(kept.choices[0].message.content).toBe(text.slice(0, at + stop.length))
  })

  test('11. usage: prompt_tokens = /tokenize count, total = prompt + completion, the same in the stream', async () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Name three colours.' },
    ]
    const r = (await chat(t(), { messages, max_tokens: 20 })).json()
    expect(r.usage.prompt_tokens).toBe(await tokens(t(), messages))
    expect(r.usage.total_tokens).toBe(r.usage.prompt_tokens + r.usage.completion_tokens)
    expect(Object.keys(r.usage)).toEqual(['prompt_tokens', 'total_tokens', 'completion_tokens', 'prompt_tokens_details'])
    const s = await chat(t(), { messages, max_tokens: 20, stream: true, stream_options: { include_usage: true } })
    const last = JSON.parse(s.text.trim().split('\n\n').at(-2)?.slice(6) ?? '{}')
    expect(last.usage).toEqual({ prompt_tokens: r.usage.prompt_tokens, total_tokens: r.usage.total_tokens, completion_tokens: r.usage.completion_tokens })
  })

  test("11. without a system message the template injects Qwen's default one (same prompt tokens)", async () => {
    const implicit = await tokens(t(), hi)
    expect(await tokens(t(), [{ role: 'system', content: QWEN_SYSTEM }, ...hi])).toBe(implicit)
    expect(implicit - (await tokens(t(), [{ role: 'system', content: '' }, ...hi]))).toBeGreaterThan(10)
  })

  test('12. response_format json_schema yields schema-valid JSON; json_object yields an object', async () => {
    const r = (await chat(t(), { messages: [{ role: 'user', content: 'Decide on buying 10 AAPL.' }], response_format: policyFormat, max_tokens: 400 })).json()
    expect(r.choices[0].finish_reason).toBe('stop')
    expect(Policy.safeParse(JSON.parse(r.choices[0].message.content)).success).toBe(true)
    const o = (
      await chat(t(), {
        messages: [{ role: 'user', content: 'Give a JSON object with a greeting.' }],
        response_format: { type: 'json_object' },
        max_tokens: 100,
      })
    ).json()
    expect(typeof JSON.parse(o.choices[0].message.content)).toBe('object')
  })

  test.skipIf(mode.real)('12. guided_json is honoured before 0.12 and silently ignored after; structured_outputs from 0.11', async () => {
    const schema = z.toJSONSchema(Policy)
    const isPolicy = (content: string): boolean => {
      try {
        return Policy.safeParse(JSON.parse(content)).success
      } catch {
        return false
      }
    }
    for (const [version, guided, structured] of [
      ['0.10.2', true, false],
      ['0.12.0', false, true],
    ] as const) {
      const s = await simTarget({ vllmVersion: version })
      try {
        const g = (await chat(s, { messages: hi, guided_json: schema })).json()
        const so = (await chat(s, { messages: hi, structured_outputs: { json: schema } })).json()
        expect([version, g.choices[0] && isPolicy(g.choices[0].message.content), isPolicy(so.choices[0].message.content)]).toEqual([
          version,
          guided,
          structured,
        ])
      } finally {
        await s.close()
      }
    }
  })

  test.skipIf(mode.real)('12. a schema that cannot be compiled is a 400, not a crash', async () => {
    const bad = {
      type: 'json_schema',
      json_schema: { name: 'bad', schema: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } }, required: ['a'] } },
    }
    const r = await chat(t(), { messages: hi, response_format: bad })
    expect(r.status).toBe(400)
    expect(r.json().error.message).toContain('could not be compiled')
    expect((await chat(t(), { messages: hi, max_tokens: 3 })).status).toBe(200)
  })

  test.skipIf(mode.real)('12. faults: invalid_json, truncated_json (length) and whitespace_runaway (until max_tokens)', async () => {
    const s = await simTarget()
    const ask = async () => (await chat(s, { messages: hi, response_format: policyFormat, max_tokens: 1000 })).json().choices[0]
    const parses = (c: string): boolean => {
      try {
        JSON.parse(c)
        return true
      } catch {
        return false
      }
    }
    try {
      await s.sim.setFaults({ invalid_json: 1 })
      const bad = await ask()
      expect([bad.finish_reason, parses(bad.message.content)]).toEqual(['stop', false])
      await s.sim.setFaults({ invalid_json: 0, truncated_json: 1 })
      const cut = await ask()
      expect([cut.finish_reason, parses(cut.message.content)]).toEqual(['length', false])
      await s.sim.setFaults({ truncated_json: 0, whitespace_runaway: 1 })
      const runaway = (await chat(s, { messages: hi, response_format: policyFormat, max_tokens: 60 })).json()
      expect([runaway.choices[0].finish_reason, runaway.usage.completion_tokens]).toEqual(['length', 60])
      expect(runaway.choices[0].message.content).toMatch(/^\{.*\S\n{8,}$/s)
      expect(s.sim.stats().faults).toEqual({ invalid_json: 1, truncated_json: 1, whitespace_runaway: 1 })
    } finally {
      await s.close()
    }
  })
}
