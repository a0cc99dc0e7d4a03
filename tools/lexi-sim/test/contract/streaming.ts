import { expect, test } from 'vitest'
import type { Mode } from './endpoints'
import { call, greedy, openRequest, simTarget, sseFrames, waitFor, type ContractTarget } from './target'

type Get = () => ContractTarget
const hi = [{ role: 'user', content: 'Say hello.' }]

/** Contract section 6, items 9, 10 and 14. */
export function streamingTests(t: Get, mode: Mode): void {
  test('9. SSE framing: role chunk, one chunk per token, finish chunk, usage chunk, [DONE]', async () => {
    const r = await call(t().url, '/v1/chat/completions', {
      apiKey: t().apiKey,
      body: { messages: hi, max_tokens: 12, ignore_eos: true, stream: true, stream_options: { include_usage: true }, ...greedy },
    })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const frames = sseFrames(r.text)
    expect(frames.at(-1)).toBe('[DONE]')
    const chunks = frames.slice(0, -1).map((f) => {
      expect(JSON.stringify(JSON.parse(f))).toBe(f)
      return JSON.parse(f)
    })
    const id = chunks[0].id as string
    expect(id).toMatch(/^chatcmpl-/)
    for (const c of chunks) expect([c.id, c.object, c.model]).toEqual([id, 'chat.completion.chunk', t().model])
    expect(chunks[0].choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])
    const content = chunks.slice(1, -1)
    expect(content.length).toBeGreaterThanOrEqual(t().real ? 1 : 12)
    expect(content.length).toBeLessThanOrEqual(12)
    for (const c of content.slice(0, -1)) expect(c.choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: null })
    expect(content.at(-1).choices[0]).toMatchObject({ finish_reason: 'length', stop_reason: null })
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 12 } })
    expect(Object.keys(chunks.at(-1).usage)).toEqual(['prompt_tokens', 'total_tokens', 'completion_tokens'])
    const plain = sseFrames(
      (await call(t().url, '/v1/chat/completions', { apiKey: t().apiKey, body: { messages: hi, max_tokens: 5, stream: true, ...greedy } })).text,
    )
    expect(plain.some((f) => f.includes('"usage"'))).toBe(false)
  })

  test('9. /v1/completions streams text_completion chunks ending in finish_reason, usage and [DONE]', async () => {
    const r = await call(t().url, '/v1/completions', {
      apiKey: t().apiKey,
      body: { prompt: 'Once upon a time', max_tokens: 5, ignore_eos: true, stream: true, stream_options: { include_usage: true }, ...greedy },
    })
    const frames = sseFrames(r.text)
    expect(frames.at(-1)).toBe('[DONE]')
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f))
    for (const c of chunks) expect(c.object).toBe('text_completion')
    expect(chunks.at(-2).choices[0]).toMatchObject({ index: 0, finish_reason: 'length' })
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 5 } })
  })

  test.skipIf(mode.real)('9. stream headers are sent at once, while the request is still queued', async () => {
    const s = await simTarget({ maxNumSeqs: 1, fixedLatencyMs: 60_000 })
    try {
      const busy = openRequest(s.url, { messages: hi })
      await waitFor(() => s.sim.stats().running === 1, 2_000, 'first request running')
      const queued = openRequest(s.url, { messages: hi, stream: true })
      const res = await queued.response
      expect([res.status, s.sim.stats().waiting]).toEqual([200, 1])
      busy.abort()
      queued.abort()
      await waitFor(() => s.sim.stats().running + s.sim.stats().waiting === 0, 2_000, 'both aborted')
    } finally {
      await s.close()
    }
  })

  test.skipIf(mode.real)('10. stream_error: an in-band error frame then [DONE] with status 200 (both envelopes)', async () => {
    for (const [version, flat] of [
      ['0.10.2', false],
      ['0.10.0', true],
    ] as const) {
      const s = await simTarget({ vllmVersion: version, faults: { stream_error: 1 } })
      try {
        const r = await call(s.url, '/v1/chat/completions', { body: { messages: hi, max_tokens: 10, ignore_eos: true, stream: true } })
        expect(r.status).toBe(200)
        const frames = sseFrames(r.text)
        expect(frames.at(-1)).toBe('[DONE]')
        const err = frames.at(-2) as string
        expect(err).toMatch(/^\{"error": \{/)
        const body = JSON.parse(err)
        expect(flat ? body.error.object : Object.keys(body)).toEqual(flat ? 'error' : ['error'])
        expect(body.error).toMatchObject({ type: 'InternalServerError', param: null, code: 500 })
        expect(frames.length).toBeGreaterThan(3)
      } finally {
        await s.close()
      }
    }
  })

  test.skipIf(mode.real)('10. reset: the socket is destroyed mid-response (stream and non-stream)', async () => {
    const s = await simTarget({ faults: { reset: 1 } })
    try {
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: hi, max_tokens: 10, ignore_eos: true, stream: true }),
      })
      expect(res.status).toBe(200)
      await expect(res.text()).rejects.toThrow()
      await expect(call(s.url, '/v1/chat/completions', { body: { messages: hi } })).rejects.toThrow(/fetch failed/)
      expect(s.sim.stats().faults.reset).toBe(2)
    } finally {
      await s.close()
    }
  })

  test('14. X-Request-Id becomes the id "chatcmpl-<id>", echoed only with --enable-request-id-headers', async () => {
    const r = await call(t().url, '/v1/chat/completions', {
      apiKey: t().apiKey,
      headers: { 'x-request-id': 'trace-42' },
      body: { messages: hi, max_tokens: 3, ...greedy },
    })
    expect(r.json().id).toBe('chatcmpl-trace-42')
    if (mode.real) return
    expect(r.headers.get('x-request-id')).toBeNull()
    const s = await simTarget({ enableRequestIdHeaders: true })
    try {
      const e = await call(s.url, '/v1/chat/completions', { headers: { 'x-request-id': 'trace-42' }, body: { messages: hi } })
      expect(e.headers.get('x-request-id')).toBe('trace-42')
      expect((await call(s.url, '/v1/chat/completions', { body: { messages: hi } })).headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    } finally {
      await s.close()
    }
  })

  test('14. a duplicate in-flight request id is a 400 (in-band once streaming) before 0.12', async () => {
    const s = mode.real ? null : await simTarget({ fixedLatencyMs: 5_000 })
    const base = s?.url ?? t().url
    const legacy = (s === null ? t().behaviour : s.behaviour).rejectsDuplicateIds
    const first = openRequest(
      base,
      { messages: hi, max_tokens: 2000, ignore_eos: true, stream: true, ...greedy },
      { 'x-request-id': 'dup-1', ...(t().apiKey ? { authorization: `Bearer ${t().apiKey}` } : {}) },
    )
    try {
      expect((await first.response).status).toBe(200)
      const again = await call(base, '/v1/chat/completions', {
        apiKey: t().apiKey,
        headers: { 'x-request-id': 'dup-1' },
        body: { messages: hi, max_tokens: 3, ...greedy },
      })
      if (!legacy) {
        expect(again.status).toBe(200)
        return
      }
      expect(again.status).toBe(400)
      expect(again.text).toContain('Request id chatcmpl-dup-1 already running.')
      const streamed = await call(base, '/v1/chat/completions', {
        apiKey: t().apiKey,
        headers: { 'x-request-id': 'dup-1' },
        body: { messages: hi, max_tokens: 3, stream: true, ...greedy },
      })
      expect(streamed.status).toBe(200)
      expect(sseFrames(streamed.text).at(-2)).toContain('Request id chatcmpl-dup-1 already running.')
    } finally {
      first.abort()
      await s?.close()
    }
  })
}
