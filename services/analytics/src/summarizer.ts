import { createHash } from 'node:crypto'
import { SummarySchema, type LlmClient, type PromptRegistry } from '@pulsetrade/llm'
import type { RecentForecast } from './recent-forecasts-repo'

export type SummaryStatus = 'ok' | 'empty' | 'timeout' | 'unreachable' | 'invalid'
export interface SummaryOutcome { summary: string, status: SummaryStatus, cached: boolean }

export interface SummarizerOptions {
  llm: Pick<LlmClient, 'structured'>
  prompts: Pick<PromptRegistry, 'render'>
  /** ANALYTICS_SUMMARY_TIMEOUT_MS: the route never waits longer for Lexi. */
  timeoutMs: number
  /** Summaries kept in memory (least recently used dropped). @default 256 */
  cacheSize?: number
}

/** The summary prompt shows at most this many rows (its system prompt says so). */
export const SUMMARY_MAX_ROWS = 25

const statusOf = (code: string | undefined): SummaryStatus => {
  if (code === 'LLM_ERR_TIMEOUT') return 'timeout'
  if (code === 'LLM_ERR_INVALID_JSON') return 'invalid'
  return 'unreachable'
}

/** The compact row the summary prompt reads (see its system prompt in configs/llm_prompts.yaml). */
const promptRow = (r: RecentForecast) => ({
  symbol: r.symbol,
  asof: r.asof,
  horizon: r.horizon,
  mu: r.mu,
  sigma: r.sigma,
  p_up: r.p_up,
  side: r.side,
  decision: r.side === null ? null : r.effective,
  confidence: r.confidence,
  realized_return: r.realized_return,
})

/**
 * Summaries of sets of recent forecasts by the `summary` prompt. Successful ones are cached by the
 * row ids and the prompt hash; identical requests in flight share one call; a call that outlives
 * the timeout is aborted and answered as `timeout`, so the caller waits at most timeoutMs.
 */
export function createSummarizer (opts: SummarizerOptions): { summarize: (items: RecentForecast[]) => Promise<SummaryOutcome> } {
  const max = opts.cacheSize ?? 256
  const cache = new Map<string, string>()
  const inflight = new Map<string, Promise<SummaryOutcome>>()

  async function call (rendered: ReturnType<PromptRegistry['render']>, key: string): Promise<SummaryOutcome> {
    const ctl = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<SummaryOutcome>((resolve) => {
      timer = setTimeout(() => { ctl.abort(); resolve({ summary: '', status: 'timeout', cached: false }) }, opts.timeoutMs)
    })
    const answer = opts.llm.structured(rendered, SummarySchema, { timeoutMs: opts.timeoutMs, signal: ctl.signal })
      .then((r): SummaryOutcome => {
        if (r.ok && r.parsed !== null) return { summary: r.parsed.summary, status: 'ok', cached: false }
        const code = r.error?.code ?? (r.valid_json ? undefined : 'LLM_ERR_INVALID_JSON')
        return { summary: '', status: statusOf(code), cached: false }
      }, (): SummaryOutcome => ({ summary: '', status: 'unreachable', cached: false }))
    try {
      const out = await Promise.race([answer, late])
      if (out.status === 'ok') {
        cache.set(key, out.summary)
        if (cache.size > max) cache.delete(cache.keys().next().value!)
      }
      return out
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    async summarize (items) {
      if (items.length === 0) return { summary: '', status: 'empty', cached: false }
      const rendered = opts.prompts.render('summary', { count: items.length, rows: items.slice(0, SUMMARY_MAX_ROWS).map(promptRow) })
      const key = createHash('sha256').update(`${rendered.hash}\n${items.map((i) => i.id).join(',')}`).digest('hex')
      const hit = cache.get(key)
      if (hit !== undefined) {
        cache.delete(key)
        cache.set(key, hit)
        return { summary: hit, status: 'ok', cached: true }
      }
      let p = inflight.get(key)
      if (p === undefined) {
        p = call(rendered, key).finally(() => inflight.delete(key))
        inflight.set(key, p)
      }
      return p
    },
  }
}
