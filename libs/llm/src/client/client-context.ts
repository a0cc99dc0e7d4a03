import type { Logger } from 'pino'
import type { ClientMetrics } from './client-metrics'
import type { ResolvedNumbers } from './client-options'
import type { Scrub } from './log-redaction'
import type { RequestRunner, UpstreamSignals } from './request-runner'
import type { Semaphore } from './semaphore'
import type { ResponseCache } from './response-cache'
import type { UpstreamPool } from './upstream-pool'

/** What the client's operations (chat, stream, structured, health) share. Built once per client. */
export interface ClientContext {
  model: string
  cfg: ResolvedNumbers
  tokenize: 'estimate' | 'server'
  pool: UpstreamPool
  run: RequestRunner
  cache: ResponseCache | null
  metrics: ClientMetrics
  log: Logger
  scrub: Scrub
  now: () => number
  /** Progress and failures seen by every call (health tells busy from broken with them). */
  signals: UpstreamSignals
  semaphore: Pick<Semaphore, 'inFlight' | 'waiting'>
}

/** Labels for logs, metrics and llm_calls when a request carries no PromptRef. */
export const ADHOC_REF = { prompt: 'adhoc', version: '-', hash: '', arm: null, bucket: null }
