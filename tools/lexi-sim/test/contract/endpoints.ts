import { connect } from 'node:net'
import { pino } from 'pino'
import { expect, test } from 'vitest'
import { call, DEADLINE_MS, greedy, simTarget, type ContractTarget } from './target'

type Get = () => ContractTarget
/** Known when tests are collected (from the environment), unlike the target itself. */
export interface Mode {
  real: boolean
  realApiKey: boolean
}
const hi = [{ role: 'user', content: 'Say hello.' }]

/** Contract section 6, items 1, 2, 3, 6 and 15. */
export function endpointTests(t: Get, mode: Mode): void {
  test('1. GET /v1/models returns the exact ModelList shape', async () => {
    const r = await call(t().url, '/v1/models', { apiKey: t().apiKey })
    expect(r.status).toBe(200)
    const body = r.json()
    expect(Object.keys(body)).toEqual(['object', 'data'])
    expect(body.object).toBe('list')
    const card = body.data[0]
    expect(Object.keys(card)).toEqual(['id', 'object', 'created', 'owned_by', 'root', 'parent', 'max_model_len', 'permission'])
    expect(card).toMatchObject({ id: t().model, object: 'model', owned_by: 'vllm', parent: null, max_model_len: t().maxModelLen })
    expect(typeof card.root).toBe('string')
    expect(Math.abs(card.created - Date.now() / 1000)).toBeLessThan(300)
    const perm = card.permission[0]
    expect(perm.id).toMatch(/^modelperm-[0-9a-f]{32}$/)
    expect({ ...perm, id: 'x', created: 0 }).toEqual({
      id: 'x',
      object: 'model_permission',
      created: 0,
      allow_create_engine: false,
      allow_sampling: true,
      allow_logprobs: true,
      allow_search_indices: false,
      allow_view: true,
      allow_fine_tuning: false,
      organization: '*',
      group: null,
      is_blocking: false,
    })
    if (!t().real) expect(card.root).toBe('Qwen/Qwen2.5-32B-Instruct')
  })

  test('2. /health and /ping answer 200 with an empty body', async () => {
    for (const [path, method] of [
      ['/health', 'GET'],
      ['/ping', 'GET'],
      ['/ping', 'POST'],
    ] as const) {
      const r = await call(t().url, path, { method })
      expect([path, method, r.status, r.text]).toEqual([path, method, 200, ''])
    }
  })

  test.skipIf(mode.real)('2. engine_dead gives an empty 500 on /health and completions (503 from 0.11), and recovers', async () => {
    for (const [version, status] of [
      ['0.10.2', 500],
      ['0.12.0', 503],
    ] as const) {
      const s = await simTarget({ vllmVersion: version, faults: { engine_dead: true } })
      try {
        for (const path of ['/health', '/ping']) {
          const r = await call(s.url, path)
          expect([path, r.status, r.text]).toEqual([path, status, ''])
        }
        const chat = await call(s.url, '/v1/chat/completions', { body: { messages: hi } })
        expect([chat.status, chat.text]).toEqual([status, ''])
        await s.sim.setFaults({ engine_dead: false })
        expect((await call(s.url, '/health')).status).toBe(200)
      } finally {
        await s.close()
      }
    }
  })

  test.skipIf(mode.real)('2. wedged: /health stays 200 but no token ever comes (non-stream and stream)', async () => {
    const s = await simTarget({ faults: { wedged: true } })
    try {
      expect((await call(s.url, '/health')).status).toBe(200)
      await expect(
        fetch(`${s.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: hi }),
          signal: AbortSignal.timeout(300),
        }),
      ).rejects.toThrow(/aborted|timeout/i)
      const ac = new AbortController()
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: hi, stream: true }),
        signal: ac.signal,
      })
      expect(res.status).toBe(200)
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      const first = await Promise.race([reader.read().then(() => 'data'), new Promise((resolve) => setTimeout(resolve, 300, 'nothing'))])
      expect(first).toBe('nothing')
      ac.abort()
      await s.sim.setFaults({ wedged: false })
      expect((await call(s.url, '/v1/chat/completions', { body: { messages: hi } })).status).toBe(200)
    } finally {
      await s.close()
    }
  })

  test('3. an unknown model is a 404 with the exact text; a missing model is accepted', async () => {
    const r = await call(t().url, '/v1/chat/completions', { apiKey: t().apiKey, body: { model: 'no-such-model', messages: hi, max_tokens: 4, ...greedy } })
    expect(r.status).toBe(404)
    const error = { message: 'The model `no-such-model` does not exist.', type: 'NotFoundError', param: null, code: 404 }
    expect(r.json()).toEqual(t().behaviour.envelope === 'flat' ? { object: 'error', ...error } : { error })
    const ok = await call(t().url, '/v1/chat/completions', { apiKey: t().apiKey, body: { messages: hi, max_tokens: 4, ...greedy } })
    expect(ok.status).toBe(200)
    expect(ok.json().model).toBe(t().model)
  })

  test.skipIf(mode.real && !mode.realApiKey)('6. --api-key: 401 {"error":"Unauthorized"} on /v1/* only', async () => {
    const s = t().real ? null : await simTarget({ apiKey: 'sekret' })
    const url = s?.url ?? t().url
    const key = s !== null ? 'sekret' : (t().apiKey as string)
    try {
      for (const auth of [null, 'wrong']) {
        const r = await call(url, '/v1/models', { apiKey: auth })
        expect([r.status, r.text]).toEqual([401, '{"error":"Unauthorized"}'])
      }
      expect((await call(url, '/v1/chat/completions', { body: { messages: hi } })).status).toBe(401)
      expect((await call(url, '/v1/models', { apiKey: key })).status).toBe(200)
      for (const path of ['/health', '/version', '/metrics']) expect([path, (await call(url, path)).status]).toEqual([path, 200])
      expect((await call(url, '/tokenize', { body: { prompt: 'hi' } })).status).toBe(200)
    } finally {
      await s?.close()
    }
  })

  test('15. /metrics exposes the vllm: names with model_name and engine labels', async () => {
    await call(t().url, '/v1/chat/completions', { apiKey: t().apiKey, body: { messages: hi, max_tokens: 4, ...greedy } })
    const text = (await call(t().url, '/metrics')).text
    for (const name of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:prompt_tokens_total', 'vllm:generation_tokens_total']) {
      expect(text).toMatch(new RegExp(`^${name}\\{[^}]*model_name="${t().model}"[^}]*\\} \\d`, 'm'))
    }
    for (const name of ['vllm:time_to_first_token_seconds', 'vllm:e2e_request_latency_seconds', 'vllm:inter_token_latency_seconds']) {
      expect(text).toMatch(new RegExp(`^${name}_count\\{[^}]*engine="[^"]+"`, 'm'))
    }
    expect(text).toMatch(/^vllm:request_success_total\{[^}]*finished_reason="(stop|length)"[^}]*\} [1-9]/m)
  })

  test('15. /version names the version (and the simulator when simulated)', async () => {
    const v = (await call(t().url, '/version')).json()
    expect(v.version).toBe(t().version)
    if (!t().real) expect(v).toEqual({ version: '0.10.2', simulator: 'lexi-sim' })
  })

  test('15. /tokenize counts a prompt and chat messages with the shape {count,max_model_len,tokens,token_strs}', async () => {
    const p = (await call(t().url, '/tokenize', { body: { prompt: 'Hello world' } })).json()
    expect(Object.keys(p)).toEqual(['count', 'max_model_len', 'tokens', 'token_strs'])
    expect(p).toMatchObject({ max_model_len: t().maxModelLen, token_strs: null })
    expect(p.tokens).toHaveLength(p.count)
    const m = (await call(t().url, '/tokenize', { body: { messages: hi, return_token_strs: true } })).json()
    expect(m.token_strs).toHaveLength(m.count)
    expect(m.token_strs[0]).toBe('<|im_start|>')
  })

  test('15. unknown request fields are ignored (>=0.6.5) with a server warning; 0.6.4 rejects them', async () => {
    const r = await call(t().url, '/v1/chat/completions', { apiKey: t().apiKey, body: { messages: hi, max_tokens: 4, frobnicate: 1, ...greedy } })
    expect(r.status).toBe(200)
    if (t().real) return
    const lines: string[] = []
    const s = await simTarget({
      logger: pino(
        { level: 'warn' },
        {
          write: (l: string) => {
            lines.push(l)
          },
        },
      ),
    })
    const old = await simTarget({ vllmVersion: '0.6.4' })
    try {
      expect((await call(s.url, '/v1/chat/completions', { body: { messages: hi, frobnicate: 1 } })).status).toBe(200)
      expect(lines.join('')).toContain("The following fields were present in the request but ignored: {'frobnicate'}")
      const rej = await call(old.url, '/v1/chat/completions', { body: { messages: hi, frobnicate: 1 } })
      expect(rej.status).toBe(400)
      expect(rej.json().message).toBe("[{'type': 'extra_forbidden', 'loc': ('body', 'frobnicate'), 'msg': 'Extra inputs are not permitted', 'input': 1}]")
    } finally {
      await s.close()
      await old.close()
    }
  })

  test(
    '15. an idle keep-alive connection is closed by the server after 5 s',
    async () => {
      const u = new URL(t().url)
      const elapsed = await new Promise<number>((resolve, reject) => {
        const sock = connect(Number(u.port), u.hostname)
        let answered = 0
        const timer = setTimeout(() => {
          sock.destroy()
          reject(new Error('still open after 7 s'))
        }, 7_000)
        sock.on('data', () => {
          if (answered === 0) answered = performance.now()
        })
        sock.on('close', () => {
          clearTimeout(timer)
          resolve(performance.now() - answered)
        })
        sock.on('error', reject)
        sock.write(`GET /health HTTP/1.1\r\nHost: ${u.host}\r\nConnection: keep-alive\r\n\r\n`)
      })
      expect(elapsed).toBeGreaterThan(4_500)
      expect(elapsed).toBeLessThan(6_500)
    },
    DEADLINE_MS,
  )
}
