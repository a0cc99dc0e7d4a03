import { describe, expect, test } from 'vitest'
import { loadPromptRegistry, type LlmClient, type RenderedPrompt } from '@pulsetrade/llm'
import { createSummarizer, SUMMARY_MAX_ROWS } from '../src/summarizer'
import { PROMPTS_PATH } from './build-test-app'
import type { RecentForecast } from '../src/recent-forecasts-repo'

/** A fake LlmClient.structured: answers per `mode`, records calls and whether they were aborted. */
function fakeLlm(mode: 'ok' | 'hang' | 'invalid' | 'circuit') {
  const calls: Array<{ timeoutMs: number | undefined; aborted: () => boolean }> = []
  const structured = (async (_p: RenderedPrompt, _s: unknown, opts?: { timeoutMs?: number; signal?: AbortSignal }) => {
    calls.push({ timeoutMs: opts?.timeoutMs, aborted: () => opts?.signal?.aborted === true })
    const base = {
      prompt: 'summary',
      version: '1.0.0',
      hash: 'h',
      arm: null,
      bucket: null,
      repaired: false,
      cached: false,
      raw: '',
      finish_reason: 'stop',
      latency_ms: 1,
      usage: { prompt_tokens: 1, completion_tokens: 1 },
      request_id: null,
    }
    if (mode === 'hang') await new Promise((resolve) => opts?.signal?.addEventListener('abort', resolve))
    if (mode === 'ok') return { ...base, ok: true, valid_json: true, parsed: { summary: `summary #${calls.length}`, highlights: [] }, error: null }
    if (mode === 'invalid') return { ...base, ok: false, valid_json: false, parsed: null, error: { code: 'LLM_ERR_INVALID_JSON', message: 'bad' } }
    return {
      ...base,
      ok: false,
      valid_json: false,
      parsed: null,
      error: { code: mode === 'circuit' ? 'LLM_ERR_CIRCUIT_OPEN' : 'LLM_ERR_ABORTED', message: 'x' },
    }
  }) as unknown as LlmClient['structured']
  return { llm: { structured }, calls }
}
const prompts = {
  render: (name: string) => ({
    prompt: name,
    version: '1.0.0',
    hash: 'h',
    arm: null,
    bucket: null,
    messages: [],
    sampling: { temperature: 0, top_p: 1, max_tokens: 10 },
    jsonSchema: null,
  }),
}
const rows = (ids: number[]) => ids.map((id) => ({ id, symbol: 'SPX', asof: '2020-01-01T00:00:00.000Z' }) as RecentForecast)

test('the active summary prompt tells the model the row cap the summarizer applies', () => {
  const system = loadPromptRegistry(PROMPTS_PATH).render('summary', { count: 1, rows: [] }).messages[0]?.content ?? ''
  expect(system).toContain(`at most ${SUMMARY_MAX_ROWS} are shown`)
})

describe('createSummarizer', () => {
  const make = (llm: ReturnType<typeof fakeLlm>['llm'], over: Partial<Parameters<typeof createSummarizer>[0]> = {}) =>
    createSummarizer({ llm, prompts, timeoutMs: 1000, windowMs: 60_000, loadRows: async () => rows([1, 2]), ...over })

  test('a hanging call is answered as timeout within what is left of the budget; the call keeps its own deadline', async () => {
    const { llm, calls } = fakeLlm('hang')
    const s = make(llm, { timeoutMs: 200 })
    const t0 = performance.now()
    expect(await s.summarize(150)).toEqual({ summary: '', status: 'timeout', cached: false, at: null })
    expect(performance.now() - t0).toBeLessThan(150)
    expect(calls[0]!.timeoutMs).toBe(200)
    expect(calls[0]!.aborted()).toBe(false)
  })

  test('no waiting at all once the request has used the whole timeout', async () => {
    const { llm } = fakeLlm('hang')
    expect(await make(llm, { timeoutMs: 100 }).summarize(100)).toMatchObject({ status: 'timeout' })
  })

  test('one call per window, whatever the queries: concurrent requests share it, later ones get it cached', async () => {
    let clock = 1_000_000
    const { llm, calls } = fakeLlm('ok')
    let loads = 0
    const s = make(llm, {
      now: () => clock,
      loadRows: async () => {
        loads++
        return rows([1, 2])
      },
    })
    const first = await Promise.all(Array.from({ length: 50 }, () => s.summarize()))
    expect(first.every((o) => o.summary === 'summary #1' && o.status === 'ok' && !o.cached && o.at === 1_000_000)).toBe(true)
    clock += 59_999
    expect(await s.summarize()).toEqual({ summary: 'summary #1', status: 'ok', cached: true, at: 1_000_000 })
    expect(calls).toHaveLength(1)
    expect(loads).toBe(1)
    clock += 1
    expect(await s.summarize()).toMatchObject({ summary: 'summary #2', cached: false })
    expect(calls).toHaveLength(2)
  })

  test('a failure also lasts its window (no call per request); the next window tries again', async () => {
    let clock = 0
    const invalid = fakeLlm('invalid')
    const s = make(invalid.llm, { now: () => clock })
    expect(await s.summarize()).toEqual({ summary: '', status: 'invalid', cached: false, at: 0 })
    expect(await s.summarize()).toMatchObject({ status: 'invalid', cached: true })
    expect(invalid.calls).toHaveLength(1)
    clock += 60_000
    await s.summarize()
    expect(invalid.calls).toHaveLength(2)
    expect(await make(fakeLlm('circuit').llm).summarize()).toMatchObject({ status: 'unreachable' })
  })

  test("while a new window's call runs past a request's budget, the last good summary is served", async () => {
    let clock = 0
    let hang = false
    const { llm: okLlm } = fakeLlm('ok')
    const { llm: hangLlm } = fakeLlm('hang')
    const llm = { structured: ((...a: Parameters<typeof okLlm.structured>) => (hang ? hangLlm : okLlm).structured(...a)) as typeof okLlm.structured }
    const s = make(llm, { now: () => clock, timeoutMs: 100 })
    expect(await s.summarize()).toMatchObject({ summary: 'summary #1', status: 'ok' })
    hang = true
    clock += 60_000
    expect(await s.summarize()).toEqual({ summary: 'summary #1', status: 'ok', cached: true, at: 0 })
  })

  test('no forecasts at all: empty, and Lexi is not asked', async () => {
    const { llm, calls } = fakeLlm('ok')
    expect(await make(llm, { loadRows: async () => [] }).summarize()).toMatchObject({ status: 'empty' })
    expect(calls).toHaveLength(0)
  })

  test('the summary call runs in the batch class', async () => {
    let cls: unknown
    const llm = {
      structured: (async (_p: unknown, _s: unknown, o?: { priorityClass?: string }) => {
        cls = o?.priorityClass
        return { ok: false, valid_json: false, parsed: null, error: { code: 'LLM_ERR_UPSTREAM', message: 'x' } }
      }) as unknown as LlmClient['structured'],
    }
    await make(llm).summarize()
    expect(cls).toBe('batch')
  })
})
