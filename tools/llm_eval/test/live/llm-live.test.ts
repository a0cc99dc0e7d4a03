import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { RationaleSchema, createLlmClient, loadPromptRegistry, type LlmClientInstance } from '@pulsetrade/llm'
import { fetchModelCards } from '../../src/model-card'

// `make test-llm`: real completions against LLM_BASE_URL (a real Lexi, or a lexi-sim started by
// .ci/run). When it cannot be reached, every test is skipped and one line says why.
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const BASE_URL = (process.env.LLM_BASE_URL ?? 'http://127.0.0.1:8008/v1').split(',')[0]?.trim().replace(/\/+$/, '') as string
const API_KEY = process.env.LLM_API_KEY || undefined
const MODEL = process.env.LLM_MODEL || 'Lexi'
const PROBE_TIMEOUT_MS = 2_000
const CALL_TIMEOUT_MS = 60_000

const reachable = await fetchModelCards(BASE_URL, { apiKey: API_KEY, timeoutMs: PROBE_TIMEOUT_MS }).then(
  () => true,
  (err: Error) => {
    process.stdout.write(`LLM_BASE_URL ${err.message}: live LLM tests skipped\n`)
    return false
  },
)

let client: LlmClientInstance | null = null
const llm = (): LlmClientInstance => {
  client ??= createLlmClient({ baseURL: BASE_URL, apiKey: API_KEY, model: MODEL, timeoutMs: CALL_TIMEOUT_MS, maxRetries: 1 })
  return client
}
const registry = loadPromptRegistry(join(REPO_ROOT, 'configs/llm_prompts.yaml'))

afterAll(async () => {
  await client?.close()
})

describe.skipIf(!reachable)(`live LLM at ${BASE_URL}`, () => {
  test('the health prompt is answered with exactly OK', async () => {
    const h = await llm().health(registry.render('health', {}), { timeoutMs: 15_000 })
    expect(h, h.error ?? '').toMatchObject({ ok: true, error: null })
    expect(h.reply?.trim()).toBe('OK')
  }, 20_000)

  test(
    'a structured rationale for a real signal row validates against RationaleSchema',
    async () => {
      const first = (await readFile(join(REPO_ROOT, 'tools/llm_eval/datasets/sp500-signals.jsonl'), 'utf8')).split('\n')[0] as string
      const { id: _id, realized_return: _r, ...inputs } = JSON.parse(first) as Record<string, unknown>
      const r = await llm().structured(registry.render('rationale', inputs), RationaleSchema, { timeoutMs: CALL_TIMEOUT_MS, cache: false })
      expect(r.error, r.error?.message).toBeNull()
      expect(r.ok).toBe(true)
      expect(r.valid_json).toBe(true)
      expect(RationaleSchema.safeParse(JSON.parse(r.raw)).success).toBe(true)
      expect(r.usage.completion_tokens).toBeGreaterThan(0)
    },
    CALL_TIMEOUT_MS + 10_000,
  )

  test('a streamed chat completion delivers text and ends with a finish reason', async () => {
    const chunks: string[] = []
    let finish: string | null = null
    const stream = llm().chatStream(
      {
        messages: [{ role: 'user', content: 'Count from 1 to 5, separated by spaces.' }],
        sampling: { temperature: 0, top_p: 1, max_tokens: 32 },
      },
      { timeoutMs: 30_000 },
    )
    for await (const c of stream) {
      chunks.push(c.delta)
      if (c.finish_reason !== null) finish = c.finish_reason
    }
    expect(chunks.join('').trim().length).toBeGreaterThan(0)
    expect(['stop', 'length']).toContain(finish)
  }, 40_000)
})
