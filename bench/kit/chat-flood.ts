import { setMaxListeners } from 'node:events'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { Registry } from 'prom-client'
import type { Db } from '@pulsetrade/db'
import { importBarsFile } from '@pulsetrade/forecast/bars'
import { loadConfig as forecastConfig } from '@pulsetrade/forecast/config'
import { createForecastRuntime } from '@pulsetrade/forecast/runtime'
import { createLlmClient } from '@pulsetrade/llm'
import { percentile } from '@pulsetrade/llm-eval/percentile'

/**
 * Issue 15's chat flood, one side of it: the forecast worker works through `forecasts` bars against
 * a Lexi (lexi-sim with long chat answers) while, in the api's LLM client, `chatStreams` long chat
 * streams are in flight (0 for the baseline). Reports the policy calls as stored in features.llm.
 */
/**
 * lexi-sim for a chat flood: 64 slots, chat answers of 1,000-1,400 tokens, `policy` scheduling,
 * time compressed by `timeScale` (B5 and the drill run the same Lexi).
 */
export const chatFloodSimFlags = (policy: 'fcfs' | 'priority', timeScale = '0.3'): string[] => [
  '--max-num-seqs',
  '64',
  '--text-tokens-min',
  '1000',
  '--text-tokens-max',
  '1400',
  '--scheduling-policy',
  policy,
  '--time-scale',
  timeScale,
]

export interface ChatFloodSide {
  chat_streams: number
  forecasts: number
  policy_calls: number
  policy_ok: number
  policy_p50_ms: number
  policy_p95_ms: number
  /** Times a circuit of the worker's client opened during the run. */
  circuits_opened: number
  /** The api client's chat calls during the run: held slots (at Lexi) and waiting in its own queue. */
  chat_at_lexi: number
  chat_queued: number
  run_s: number
}

export interface ChatFloodOptions {
  /** Lexi's base URL without /v1. */
  simUrl: string
  /** A migrated, empty database for this side. */
  db: { url: string; pool: Db }
  forecasts: number
  chatStreams: number
  /** LLM_PRIORITY_SCHEDULING for both processes. */
  priority: boolean
  /** The worker's LLM_CONCURRENCY (its per-process share of Lexi). @default 48 */
  workerSlots?: number
  /** Extra api-side LLM_* settings (e.g. the class budgets). */
  apiEnv?: Record<string, string>
  /** Called once the chat streams are in flight, before the worker starts (e.g. to check Lexi's running count). */
  onChatReady?: () => Promise<void>
}

const BUNDLED_CSV = fileURLToPath(new URL('../../data/sp500-daily-2000-2020.csv', import.meta.url))
const CHAT = { messages: [{ role: 'user' as const, content: 'Write an essay about markets.' }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 2000 } }

export async function runChatFloodSide(o: ChatFloodOptions): Promise<ChatFloodSide> {
  const workerSlots = o.workerSlots ?? 48
  const flag = o.priority ? '1' : '0'
  const lines: string[] = []
  const logger = pino(
    { level: 'warn' },
    {
      write: (s: string) => {
        lines.push(s)
      },
    },
  )

  // The api process: its client, with the api's default class budgets, streaming chat like POST /llm/chat.
  const api = createLlmClient({
    baseURL: `${o.simUrl}/v1`,
    concurrency: Number(o.apiEnv?.LLM_CONCURRENCY ?? 64),
    priorityScheduling: o.priority,
    timeoutMs: 120_000,
    logger,
    ...(o.apiEnv?.LLM_INTERACTIVE_SLOTS === undefined ? {} : { interactiveSlots: Number(o.apiEnv.LLM_INTERACTIVE_SLOTS) }),
    ...(o.apiEnv?.LLM_RESERVED_SLOTS === undefined ? {} : { reservedSlots: Number(o.apiEnv.LLM_RESERVED_SLOTS) }),
  })
  const ctl = new AbortController()
  setMaxListeners(o.chatStreams + 10, ctl.signal)
  const chats = Array.from({ length: o.chatStreams }, async () => {
    try {
      for await (const _ of api.chatStream(CHAT, { signal: ctl.signal, priorityClass: 'interactive' })) {
        /* reading */
      }
    } catch {
      /* aborted at the end, or timed out in the queue */
    }
  })

  const config = forecastConfig({
    DATABASE_URL: o.db.url,
    LLM_BASE_URL: `${o.simUrl}/v1`,
    LLM_CONCURRENCY: String(workerSlots),
    FORECAST_CONCURRENCY: String(Math.floor(workerSlots / 2)),
    FORECAST_POLL_MS: '100',
    LLM_TIMEOUT_MS: '60000',
    LLM_PRIORITY_SCHEDULING: flag,
    LOG_LEVEL: 'warn',
  })
  try {
    await importBarsFile(o.db.pool, BUNDLED_CSV, { symbol: 'SPX' })
    const keep = config.FORECAST_MIN_BARS - 1 + o.forecasts
    await o.db.pool.query('DELETE FROM market_bars WHERE ts > (SELECT ts FROM market_bars ORDER BY ts OFFSET $1 LIMIT 1)', [keep - 1])
    if (o.chatStreams > 0) {
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline && api.stats().inFlight + api.stats().waiting < o.chatStreams) await new Promise((resolve) => setTimeout(resolve, 50))
      await new Promise((resolve) => setTimeout(resolve, 500)) // tokens are streaming
      await o.onChatReady?.()
    }
    const chatHeld = api.stats().classes.interactive
    const rt = createForecastRuntime({ config, db: o.db.pool, logger, metrics: new Registry() })
    const t0 = performance.now()
    const summary = await rt.worker.runOnce()
    const runS = (performance.now() - t0) / 1000
    await rt.close()
    const rows = (
      await o.db.pool.query<{ ok: boolean; latency_ms: number }>(
        "SELECT (features->'llm'->'policy'->>'ok')::boolean AS ok, (features->'llm'->'policy'->>'latency_ms')::float8 AS latency_ms FROM forecasts",
      )
    ).rows
    const latencies = rows.map((r) => r.latency_ms)
    return {
      chat_streams: o.chatStreams,
      forecasts: summary.done,
      policy_calls: rows.length,
      policy_ok: rows.filter((r) => r.ok).length,
      policy_p50_ms: Math.round(percentile(latencies, 50) ?? Number.NaN),
      policy_p95_ms: Math.round(percentile(latencies, 95) ?? Number.NaN),
      circuits_opened: lines.filter((l) => l.includes('"llm circuit opened"')).length,
      chat_at_lexi: chatHeld.inFlight,
      chat_queued: chatHeld.waiting,
      run_s: Math.round(runS * 10) / 10,
    }
  } finally {
    ctl.abort()
    await Promise.all(chats)
    await api.close()
  }
}
