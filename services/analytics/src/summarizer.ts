import { RENDER_LIMITS, SummarySchema, failReasonOf, type LlmClient, type PromptRegistry } from '@pulsetrade/llm'
import type { RecentForecast } from './recent-forecasts-repo'

export type SummaryStatus = 'ok' | 'empty' | 'timeout' | 'unreachable' | 'invalid'
export interface SummaryOutcome {
  summary: string
  status: SummaryStatus
  /** Served from a call an earlier request started (or the last window's summary). */
  cached: boolean
  /** Epoch ms when the summary's window started (its rows were read then), or null when none. */
  at: number | null
}

export interface SummarizerOptions {
  llm: Pick<LlmClient, 'structured'>
  prompts: Pick<PromptRegistry, 'render'>
  /** ANALYTICS_SUMMARY_TIMEOUT_MS: no request waits longer for the summary, and the Lexi call's own deadline. */
  timeoutMs: number
  /** ANALYTICS_SUMMARY_WINDOW_MS: one summary (at most one Lexi call) per window, shared by every query. */
  windowMs: number
  /** The rows a window's summary describes: the latest forecasts of every symbol. */
  loadRows: () => Promise<RecentForecast[]>
  now?: () => number
}

export interface Summarizer {
  /** `spentMs`: time the request already used (its database query); it waits at most the rest of the timeout. */
  summarize: (spentMs?: number) => Promise<SummaryOutcome>
}

/** Rows sent to the summary prompt: the registry shows no more than this many items of an array. */
export const SUMMARY_MAX_ROWS = RENDER_LIMITS.maxArrayItems

/** A failed summary's status, from the error code's fail reason (libs/llm's error table): timeout, invalid, else unreachable. */
const statusOf = (code: string | undefined): SummaryStatus => {
  const reason = code === undefined ? null : failReasonOf(code)
  return reason === 'timeout' ? 'timeout' : reason === 'invalid_json' ? 'invalid' : 'unreachable'
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

interface Window {
  startedAt: number
  result: Promise<SummaryOutcome>
  done: SummaryOutcome | null
}

/**
 * One summary of the latest forecasts per window, whatever the queries ask for: the first request
 * of a window starts the one Lexi call (class batch, its own full deadline, never aborted because a
 * request stopped waiting); every request of the window shares it. A request waits at most what is
 * left of its timeout; if the call is still running then, it gets the previous window's summary
 * when there is one, else `timeout`. So /analytics/* costs at most one Lexi call per window, however
 * many requests with however many distinct parameters arrive.
 */
export function createSummarizer(opts: SummarizerOptions): Summarizer {
  const now = opts.now ?? Date.now
  let current: Window | null = null
  let previousOk: SummaryOutcome | null = null

  async function compute(): Promise<SummaryOutcome> {
    const at = now()
    try {
      const rows = await opts.loadRows()
      if (rows.length === 0) return { summary: '', status: 'empty', cached: false, at }
      const rendered = opts.prompts.render('summary', { count: rows.length, rows: rows.slice(0, SUMMARY_MAX_ROWS).map(promptRow) })
      const r = await opts.llm.structured(rendered, SummarySchema, { timeoutMs: opts.timeoutMs, priorityClass: 'batch' })
      if (r.ok && r.parsed !== null) return { summary: r.parsed.summary, status: 'ok', cached: false, at }
      const code = r.error?.code ?? (r.valid_json ? undefined : 'LLM_ERR_INVALID_JSON')
      return { summary: '', status: statusOf(code), cached: false, at }
    } catch {
      return { summary: '', status: 'unreachable', cached: false, at }
    }
  }

  const start = (t: number): Window => {
    const w: Window = { startedAt: t, result: compute(), done: null }
    void w.result.then((out) => {
      w.done = out
      if (out.status === 'ok') previousOk = out
    })
    return w
  }

  return {
    async summarize(spentMs = 0) {
      const t = now()
      if (current === null || t - current.startedAt >= opts.windowMs) current = start(t)
      const w = current
      if (w.done !== null) return { ...w.done, cached: true }
      const budgetMs = Math.floor(opts.timeoutMs - spentMs)
      const late = (): SummaryOutcome => (previousOk !== null ? { ...previousOk, cached: true } : { summary: '', status: 'timeout', cached: false, at: null })
      if (budgetMs <= 0) return late()
      let timer: NodeJS.Timeout | undefined
      const gaveUp = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), budgetMs)
      })
      try {
        return (await Promise.race([w.result, gaveUp])) ?? late()
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
