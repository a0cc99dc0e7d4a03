import { describe, expect, test } from 'vitest'
import { loadPromptRegistry, type CallOptions, type LlmClient, type LlmResult, type RenderedPrompt } from '@pulsetrade/llm'
import type { EvalItem } from '../src/eval-item'
import type { StructuredOutcome } from '../src/eval-record'
import { resolveTargets } from '../src/eval-targets'
import { runEval } from '../src/run-eval'
import { PROMPTS_FILE } from './eval-fixtures'

const registry = loadPromptRegistry(PROMPTS_FILE)

const item = (i: number): EvalItem => ({
  id: `item-${i}`,
  inputs: {
    symbol: 'SPX',
    asof: new Date(Date.UTC(2020, 0, 1 + i)).toISOString(),
    horizon: 1,
    forecast: { mu: 0.001, sigma: 0.01, p_up: 0.4 + i * 0.02, q05: -0.015, q95: 0.017 },
    signals: { ret_1: 0, ret_5: 0.01, ret_20: 0.02, vol_20: 0.01, rsi_14: 55, zscore_20: 0.3, volume_ratio: 1 },
    order: i % 2 === 0 ? { side: 'buy', qty: 1, ref_price: 100, notional: 100 } : null,
  },
  realized_return: i % 3 === 0 ? null : 0.01,
})

const base = (p: RenderedPrompt): Omit<LlmResult<unknown>, 'parsed' | 'ok' | 'valid_json' | 'repaired' | 'raw' | 'error'> => ({
  prompt: p.prompt,
  version: p.version,
  hash: p.hash,
  arm: p.arm,
  bucket: p.bucket,
  cached: false,
  finish_reason: 'stop',
  latency_ms: 7,
  usage: { prompt_tokens: 900, completion_tokens: 90 },
  request_id: 'r',
})

/** An LlmClient fake whose answer depends on the item index written in the rendered user message. */
function fakeClient(
  answer: (p: RenderedPrompt, index: number) => StructuredOutcome | Error,
): LlmClient & { maxInFlight: number; calls: string[]; options: CallOptions[] } {
  let inFlight = 0
  const fake = {
    maxInFlight: 0,
    calls: [] as string[],
    options: [] as CallOptions[],
    structured: async (p: RenderedPrompt, _schema: unknown, opts: CallOptions) => {
      fake.options.push(opts)
      inFlight++
      fake.maxInFlight = Math.max(fake.maxInFlight, inFlight)
      const day = Number(/"asof": "2020-01-(\d\d)/.exec(p.messages[1]?.content ?? '')?.[1])
      fake.calls.push(`${day - 1}:${p.prompt}@${p.version}`)
      await new Promise((resolve) => setImmediate(resolve))
      inFlight--
      const a = answer(p, day - 1)
      if (a instanceof Error) throw a
      return a
    },
    chat: async () => {
      throw new Error('unused')
    },
    chatStream: () => {
      throw new Error('unused')
    },
    health: async () => {
      throw new Error('unused')
    },
    models: async () => [],
    close: async () => {},
  }
  return fake as unknown as LlmClient & { maxInFlight: number; calls: string[]; options: CallOptions[] }
}

const rationale = (confidence: number) => ({ summary: 's', drivers: ['d'], risks: ['r'], confidence })

describe('runEval', () => {
  test('interleaves versions item by item and never exceeds the concurrency', async () => {
    const targets = resolveTargets(['rationale@1.0.0', 'rationale@1.1.0'], registry)
    const client = fakeClient((p) => ({ ...base(p), ok: true, valid_json: true, repaired: false, parsed: rationale(0.7), raw: '{}', error: null }))
    const run = await runEval({ client, registry, items: Array.from({ length: 12 }, (_, i) => item(i)), targets, concurrency: 3, confidentMin: 0.6 })
    expect(run.records).toHaveLength(24)
    expect(client.maxInFlight).toBe(3)
    expect(client.calls.slice(0, 4)).toEqual(['0:rationale@1.0.0', '0:rationale@1.1.0', '1:rationale@1.0.0', '1:rationale@1.1.0'])
    expect(run.aborted).toBe(false)
    // Eval calls are the lowest class on the shared Lexi, and never use the cache unless asked.
    expect(new Set(client.options.map((o) => `${o.priorityClass} ${o.cache}`))).toEqual(new Set(['batch false']))
  })

  test('judges first-try JSON on the first answer when a repair ran, and keeps the decision of the repaired answer', async () => {
    const targets = resolveTargets(['rationale@1.0.0'], registry)
    const client = fakeClient((p, i) =>
      i === 0
        ? {
            ...base(p),
            ok: true,
            valid_json: true,
            repaired: true,
            parsed: rationale(0.9),
            raw: JSON.stringify(rationale(0.9)),
            first_raw: 'Here is {',
            error: null,
          }
        : {
            ...base(p),
            ok: false,
            valid_json: false,
            repaired: false,
            parsed: null,
            raw: '{"summary": 1}',
            first_raw: '{"summary": 1}',
            error: { code: 'LLM_ERR_INVALID_JSON', message: 'still invalid' },
          },
    )
    const { records } = await runEval({
      client,
      registry,
      items: [item(6), item(1)].map((x, k) => ({ ...x, inputs: { ...x.inputs, asof: `2020-01-0${k + 1}T00:00:00.000Z` } })),
      targets,
      concurrency: 2,
      confidentMin: 0.6,
    })
    const [repaired, failed] = [records.find((r) => r.item_id === 'item-6'), records.find((r) => r.item_id === 'item-1')]
    expect(repaired).toMatchObject({
      json_valid_first_try: false,
      json_valid_after_repair: true,
      schema_valid_first_try: false,
      schema_valid: true,
      repaired: true,
      decision: 'confident_up',
      score: 0.9,
    })
    // Valid JSON that fails the schema even after repair: JSON valid both times, schema never.
    expect(failed).toMatchObject({
      json_valid_first_try: true,
      json_valid_after_repair: true,
      schema_valid: false,
      decision: null,
      error_code: 'LLM_ERR_INVALID_JSON',
    })
  })

  test('a client that throws becomes a record with the error code instead of stopping the run', async () => {
    const targets = resolveTargets(['policy'], registry)
    const boom = Object.assign(new Error('queue full'), { code: 'LLM_ERR_QUEUE_FULL' })
    const client = fakeClient((p, i) =>
      i === 1
        ? boom
        : {
            ...base(p),
            ok: true,
            valid_json: true,
            repaired: false,
            parsed: { decision: 'deny', size_factor: 1, reason: 'D1', risk_flags: [] },
            raw: '{}',
            error: null,
          },
    )
    const { records } = await runEval({ client, registry, items: [item(0), item(1), item(2)], targets, concurrency: 4, confidentMin: 0.6 })
    expect(records.map((r) => [r.item_id, r.error_code, r.decision, r.json_valid_first_try]).sort()).toEqual([
      ['item-0', null, 'deny', true],
      ['item-1', 'LLM_ERR_QUEUE_FULL', null, false],
      ['item-2', null, 'deny', true],
    ])
  })

  test('an aborted signal stops handing out calls and reports the run as aborted', async () => {
    const targets = resolveTargets(['rationale'], registry)
    const abort = new AbortController()
    const client = fakeClient((p) => ({ ...base(p), ok: true, valid_json: true, repaired: false, parsed: rationale(0.5), raw: '{}', error: null }))
    const run = await runEval({
      client,
      registry,
      items: Array.from({ length: 20 }, (_, i) => item(i)),
      targets,
      concurrency: 2,
      confidentMin: 0.6,
      signal: abort.signal,
      onRecord: (_r, done) => {
        if (done === 4) abort.abort()
      },
    })
    expect(run.aborted).toBe(true)
    expect(run.records.length).toBeLessThan(20)
    expect(run.records[0]?.decision).toBe('unsure')
  })
})
