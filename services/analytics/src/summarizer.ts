import { createHash } from 'node:crypto'
import { RENDER_LIMITS, SummarySchema, type LlmClient, type PromptRegistry } from '@pulsetrade/llm'
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

/** Rows sent to the summary prompt: the registry shows no more than this many items of an array. */
export const SUMMARY_MAX_ROWS = RENDER_LIMITS.maxArrayItems

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
 * what is left of the timeout is answered as `timeout` (then aborted), so the route as a whole
 * answers within about timeoutMs.
 */
export function createSummarizer (opts: SummarizerOptions): { summarize: (items: RecentForecast[], spentMs?: number) => Promise<SummaryOutcome> } {
  const max = opts.cacheSize ?? 256
  const cache = new Map<string, string>()
  const inflight = new Map<string, Promise<SummaryOutcome>>()

  async function call (rendered: ReturnType<PromptRegistry['render']>, key: string, budgetMs: number): Promise<SummaryOutcome> {
    const ctl = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<SummaryOutcome>((resolve) => {
      timer = setTimeout(() => {
        resolve({ summary: '', status: 'timeout', cached: false })
        // Abort after the reply is on its way: the client's abort path must not delay the answer.
        setImmediate(() => ctl.abort())
      }, budgetMs)
    })
    const answer = opts.llm.structured(rendered, SummarySchema, { timeoutMs: budgetMs, signal: ctl.signal })
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
    /** `spentMs`: time the request already used (its database query); the summary gets the rest of the timeout. */
    async summarize (items, spentMs = 0) {
      if (items.length === 0) return { summary: '', status: 'empty', cached: false }
      const rendered = opts.prompts.render('summary', { count: items.length, rows: items.slice(0, SUMMARY_MAX_ROWS).map(promptRow) })
      const key = createHash('sha256').update(`${rendered.hash}\n${items.map((i) => i.id).join(',')}`).digest('hex')
      const hit = cache.get(key)
      if (hit !== undefined) {
        cache.delete(key)
        cache.set(key, hit)
        return { summary: hit, status: 'ok', cached: true }
      }
      const budgetMs = Math.floor(opts.timeoutMs - spentMs)
      if (budgetMs <= 0) return { summary: '', status: 'timeout', cached: false }
      let p = inflight.get(key)
      if (p === undefined) {
        p = call(rendered, key, budgetMs).finally(() => inflight.delete(key))
        inflight.set(key, p)
      }
      return p
    },
  }
}
