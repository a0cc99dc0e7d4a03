import { describe, expect, test } from 'vitest'
import { loadPromptRegistry, type LlmClient, type RenderedPrompt } from '@pulsetrade/llm'
import { createSummarizer, SUMMARY_MAX_ROWS } from '../src/summarizer'
import { PROMPTS_PATH } from './build-test-app'
import type { RecentForecast } from '../src/recent-forecasts-repo'

/** A fake LlmClient.structured: answers per `mode`, records calls and whether they were aborted. */
function fakeLlm (mode: 'ok' | 'hang' | 'invalid' | 'circuit') {
  const calls: Array<{ timeoutMs: number | undefined, aborted: () => boolean }> = []
  const structured = (async (_p: RenderedPrompt, _s: unknown, opts?: { timeoutMs?: number, signal?: AbortSignal }) => {
    calls.push({ timeoutMs: opts?.timeoutMs, aborted: () => opts?.signal?.aborted === true })
    const base = { prompt: 'summary', version: '1.0.0', hash: 'h', arm: null, bucket: null, repaired: false, cached: false, raw: '', finish_reason: 'stop', latency_ms: 1, usage: { prompt_tokens: 1, completion_tokens: 1 }, request_id: null }
    if (mode === 'hang') await new Promise((resolve) => opts?.signal?.addEventListener('abort', resolve))
    if (mode === 'ok') return { ...base, ok: true, valid_json: true, parsed: { summary: `summary #${calls.length}`, highlights: [] }, error: null }
    if (mode === 'invalid') return { ...base, ok: false, valid_json: false, parsed: null, error: { code: 'LLM_ERR_INVALID_JSON', message: 'bad' } }
    return { ...base, ok: false, valid_json: false, parsed: null, error: { code: mode === 'circuit' ? 'LLM_ERR_CIRCUIT_OPEN' : 'LLM_ERR_ABORTED', message: 'x' } }
  }) as unknown as LlmClient['structured']
  return { llm: { structured }, calls }
}
const prompts = { render: (name: string) => ({ prompt: name, version: '1.0.0', hash: 'h', arm: null, bucket: null, messages: [], sampling: { temperature: 0, top_p: 1, max_tokens: 10 }, jsonSchema: null }) }
const rows = (ids: number[]) => ids.map((id) => ({ id, symbol: 'SPX', asof: '2020-01-01T00:00:00.000Z' }) as RecentForecast)

test('the active summary prompt tells the model the row cap the summarizer applies', () => {
  const system = loadPromptRegistry(PROMPTS_PATH).render('summary', { count: 1, rows: [] }).messages[0]?.content ?? ''
  expect(system).toContain(`at most ${SUMMARY_MAX_ROWS} are shown`)
})

describe('createSummarizer', () => {
  test('a hanging call is answered as timeout within what is left of the budget, then aborted', async () => {
    const { llm, calls } = fakeLlm('hang')
    const s = createSummarizer({ llm, prompts, timeoutMs: 200 })
    expect(await s.summarize(rows([1]), 150)).toEqual({ summary: '', status: 'timeout', cached: false })
    expect(calls[0]!.timeoutMs).toBe(50)
    await new Promise((resolve) => setImmediate(resolve))
    expect(calls[0]!.aborted()).toBe(true)
  })

  test('no call at all once the request has used the whole timeout', async () => {
    const { llm, calls } = fakeLlm('ok')
    expect(await createSummarizer({ llm, prompts, timeoutMs: 100 }).summarize(rows([1]), 100)).toMatchObject({ status: 'timeout' })
    expect(calls).toHaveLength(0)
  })

  test('same rows: one call in flight, then served from the cache; other rows: a new call', async () => {
    const { llm, calls } = fakeLlm('ok')
    const s = createSummarizer({ llm, prompts, timeoutMs: 1000 })
    const [a, b] = await Promise.all([s.summarize(rows([1, 2])), s.summarize(rows([1, 2]))])
    expect(a).toEqual({ summary: 'summary #1', status: 'ok', cached: false })
    expect(b).toEqual(a)
    expect(await s.summarize(rows([1, 2]))).toEqual({ summary: 'summary #1', status: 'ok', cached: true })
    expect(await s.summarize(rows([1, 3]))).toMatchObject({ summary: 'summary #2', cached: false })
    expect(calls).toHaveLength(2)
  })

  test('invalid JSON is "invalid"; an open circuit is "unreachable"; failures are not cached', async () => {
    const invalid = fakeLlm('invalid')
    const s = createSummarizer({ llm: invalid.llm, prompts, timeoutMs: 1000 })
    expect(await s.summarize(rows([1]))).toEqual({ summary: '', status: 'invalid', cached: false })
    expect(await s.summarize(rows([1]))).toMatchObject({ cached: false })
    expect(invalid.calls).toHaveLength(2)
    expect(await createSummarizer({ llm: fakeLlm('circuit').llm, prompts, timeoutMs: 1000 }).summarize(rows([1]))).toMatchObject({ status: 'unreachable' })
  })
})
