import type { Logger } from 'pino'
import type { CallScope } from './call-scope'
import type { CallRecorder } from './call-recorder'
import type { CircuitTicket } from './circuit-breaker'
import type { ClientMetrics } from './client-metrics'
import { LlmAbortedError, LlmPriorityUnsupportedError, outcomeOf, type LlmError } from './errors'
import { isUpstreamFailure } from './retry-policy'
import type { Release } from './semaphore'
import { toLlmError } from './to-llm-error'
import type { Upstream } from './upstream'

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
}

/** Shared between the runner, streams and health: evidence that Lexi works or fails. */
export interface UpstreamSignals {
  /** Attempts that ended in an upstream failure (connection, timeout, 5xx), health probes included. */
  failures: number
  /** Client clock time of the last answer or streamed token of any call (0: none yet). */
  lastProgressAt: number
}

/** What ending an attempt writes to: the client-wide parts. */
export interface AttemptBooks {
  now: () => number
  metrics: ClientMetrics
  recorder: CallRecorder | null
  log: Logger
  signals: UpstreamSignals
}

/** One attempt, as the runner started it. */
export interface AttemptFacts {
  upstream: Upstream
  ticket: CircuitTicket
  /** Gives the concurrency slot back (a no-op when the attempt took none). */
  release: Release
  requestId: string
  attempt: number
  /** The vLLM priority sent, or null. */
  priority: number | null
  scope: CallScope
  ref: { prompt: string; version: string; arm: string | null }
  /** Leave the breaker alone (health probes). */
  ignoreCircuit: boolean
  /** Write an llm_calls row. */
  record: boolean
  /** Clock time the attempt started. */
  startedAt: number
}

/** Ends an attempt once (later calls return null); returns the typed error it ended with, or null. */
export type EndAttempt = (err: unknown, usage?: Usage) => LlmError | null

/**
 * Everything that happens when an attempt ends, in one place: the slot goes back, the error is
 * typed, the breaker and the upstream's signals hear the outcome, an upstream that refused
 * `priority` is remembered, and the metrics, the debug log line and the llm_calls row are written.
 */
export function attemptEnder(books: AttemptBooks, a: AttemptFacts): EndAttempt {
  let ended = false
  return (err, usage) => {
    if (ended) return null
    ended = true
    const { upstream, scope } = a
    upstream.inFlight--
    a.release()
    const e = err == null ? null : toLlmError({ error: err, abortReason: scope.aborted ? scope.reason : undefined, timeoutMs: scope.budgetMs })
    if (e) e.requestId = a.requestId
    if (e == null) books.signals.lastProgressAt = books.now()
    else if (isUpstreamFailure(e)) books.signals.failures++
    if (e instanceof LlmPriorityUnsupportedError && a.priority !== null) refusePriority(books, upstream, e)
    if (!a.ignoreCircuit) {
      if (e == null) upstream.breaker.onSuccess(a.ticket)
      else if (e instanceof LlmAbortedError) upstream.breaker.onNeutral(a.ticket)
      else if (isUpstreamFailure(e)) upstream.breaker.onFailure(a.ticket, e.code)
      else upstream.breaker.onSuccess(a.ticket)
    }
    const outcome = e ? outcomeOf(e.code) : 'ok'
    const latencyMs = books.now() - a.startedAt
    books.metrics.attempts.inc({ upstream: upstream.label, outcome })
    books.log.debug({ upstream: upstream.label, request_id: a.requestId, attempt: a.attempt, latency_ms: latencyMs, outcome }, 'llm attempt')
    if (a.record)
      books.recorder?.record({
        prompt: a.ref.prompt,
        version: a.ref.version,
        arm: a.ref.arm,
        upstream: upstream.label,
        attempt: a.attempt,
        latency_ms: latencyMs,
        prompt_tokens: usage?.prompt_tokens ?? null,
        completion_tokens: usage?.completion_tokens ?? null,
        ok: e == null,
        error_code: e?.code ?? null,
        request_id: a.requestId,
      })
    return e
  }
}

/** Remembers that `upstream` refuses priorities; says so once per upstream. */
function refusePriority(books: AttemptBooks, upstream: Upstream, e: LlmError): void {
  if (upstream.priorityRefused) return
  upstream.priorityRefused = true
  books.metrics.priorityDowngrades.inc({ upstream: upstream.label })
  books.log.warn(
    { upstream: upstream.label, error: { code: e.code, message: e.message } },
    'llm upstream does not run priority scheduling; sending it requests without priority from now on',
  )
}
