import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { sleep, type CallScope } from './call-scope'
import type { CallRecorder } from './call-recorder'
import type { ClientMetrics } from './client-metrics'
import { LlmAbortedError, LlmCircuitOpenError, LlmPriorityUnsupportedError, LlmUnreachableError, outcomeOf, type LlmError } from './errors'
import { VLLM_PRIORITY, type LlmPriorityClass } from './priority-class'
import { backoffMs, isRetryable, isUpstreamFailure } from './retry-policy'
import type { Semaphore, Release } from './semaphore'
import { toLlmError } from './to-llm-error'
import type { Upstream } from './upstream'
import type { UpstreamPool } from './upstream-pool'

export interface Usage { prompt_tokens: number, completion_tokens: number }

export interface Attempt {
  upstream: Upstream
  /** Fresh per attempt; sent as X-Request-Id (vLLM answers id "chatcmpl-<it>"). */
  requestId: string
  attempt: number
  signal: AbortSignal
  /** vLLM `priority` to send with this attempt, or null to send none. */
  priority: number | null
}

export interface RunOptions {
  scope: CallScope
  ref: { prompt: string, version: string, arm: string | null }
  /** The call's priority class: its place in the wait queue, its budget and its vLLM priority. */
  cls: LlmPriorityClass
  /** Retries after the first attempt (0 for health). */
  retries: number
  /** Take a concurrency slot (completions do; models/tokenize do not). @default true */
  slot?: boolean
  /** Move to an untried replica after a connect failure without spending a retry. @default true */
  failover?: boolean
  /** Probe even an open circuit and leave the breaker alone (health). @default false */
  ignoreCircuit?: boolean
  /** Write llm_calls rows (not for models()). @default true */
  record?: boolean
  /** Keep the slot after `fn` returns, until lease.end() (streams). @default false */
  hold?: boolean
}

export interface Lease<T> {
  value: T
  upstream: Upstream
  requestId: string
  attempt: number
  /** Ends a held attempt: releases the slot, tells the breaker, writes the llm_calls row; returns the mapped error. */
  end: (err: unknown, usage?: Usage) => LlmError | null
}

export interface RunnerDeps {
  pool: UpstreamPool
  semaphore: Semaphore
  now: () => number
  random: () => number
  retryBaseMs: number
  retryMaxMs: number
  metrics: ClientMetrics
  recorder: CallRecorder | null
  log: Logger
  /** Send vLLM's `priority` field (LLM_PRIORITY_SCHEDULING). */
  priorityScheduling: boolean
  /** What the calls saw of the upstreams lately (health tells busy from broken with it). */
  signals: UpstreamSignals
}

/** Shared between the runner, streams and health: evidence that Lexi works or fails. */
export interface UpstreamSignals {
  /** Attempts that ended in an upstream failure (connection, timeout, 5xx), health probes included. */
  failures: number
  /** Client clock time of the last answer or streamed token of any call (0: none yet). */
  lastProgressAt: number
}

export type RequestRunner = <T>(opts: RunOptions, fn: (a: Attempt) => Promise<{ value: T, usage?: Usage }>) => Promise<Lease<T>>

const noop: Release = () => {}

/**
 * The one retry layer: slot → upstream (least in-flight, circuit allowing) → attempt → typed error →
 * retry/failover or give up, never past the call's deadline. Writes one llm_calls row per attempt.
 */
export function createRequestRunner (deps: RunnerDeps): RequestRunner {
  // Fails fast, naming the failures that opened the circuits (the most recent opening is the cause).
  const circuitOpen = (): LlmCircuitOpenError => new LlmCircuitOpenError(deps.pool.upstreams.map((u) => u.label), deps.pool.openings())

  /** Remembers that `upstream` refuses priorities; says so once per upstream. */
  const refusePriority = (upstream: Upstream, e: LlmError): void => {
    if (upstream.priorityRefused) return
    upstream.priorityRefused = true
    deps.metrics.priorityDowngrades.inc({ upstream: upstream.label })
    deps.log.warn({ upstream: upstream.label, error: { code: e.code, message: e.message } },
      'llm upstream does not run priority scheduling; sending it requests without priority from now on')
  }

  return async function run<T> (opts: RunOptions, fn: (a: Attempt) => Promise<{ value: T, usage?: Usage }>): Promise<Lease<T>> {
    const { scope } = opts
    const tried = new Set<Upstream>()
    let retriesUsed = 0
    const downgraded = new Set<Upstream>()
    for (let attempt = 1; ; attempt++) {
      if (!opts.ignoreCircuit && !deps.pool.anyAvailable()) throw circuitOpen()
      let release = noop
      if (opts.slot !== false) {
        scope.phase = 'queue'
        release = await deps.semaphore.acquire({ waitMs: scope.remaining(), budgetMs: scope.budgetMs, signal: scope.signal, cls: opts.cls })
        scope.phase = 'request'
      }
      const pick = deps.pool.pick(tried, { ignoreCircuit: opts.ignoreCircuit })
      if (!pick) {
        release()
        throw circuitOpen()
      }
      const { upstream, ticket } = pick
      tried.add(upstream)
      const requestId = randomUUID()
      const priority = deps.priorityScheduling && !upstream.priorityRefused ? VLLM_PRIORITY[opts.cls] : null
      const t0 = deps.now()
      upstream.inFlight++
      let ended = false
      const end = (err: unknown, usage?: Usage): LlmError | null => {
        if (ended) return null
        ended = true
        upstream.inFlight--
        release()
        const capture = upstream.takeCapture(requestId)
        const e = err == null
          ? null
          : toLlmError({ ...capture, error: err, abortReason: scope.signal.aborted ? scope.signal.reason : undefined, timeoutMs: scope.budgetMs })
        if (e) e.requestId = requestId
        if (e == null) deps.signals.lastProgressAt = deps.now()
        else if (isUpstreamFailure(e)) deps.signals.failures++
        if (e instanceof LlmPriorityUnsupportedError && priority !== null) refusePriority(upstream, e)
        if (!opts.ignoreCircuit) {
          if (e == null) upstream.breaker.onSuccess(ticket)
          else if (e instanceof LlmAbortedError) upstream.breaker.onNeutral(ticket)
          else if (isUpstreamFailure(e)) upstream.breaker.onFailure(ticket, e.code)
          else upstream.breaker.onSuccess(ticket)
        }
        const outcome = e ? outcomeOf(e.code) : 'ok'
        const latencyMs = deps.now() - t0
        deps.metrics.attempts.inc({ upstream: upstream.label, outcome })
        deps.log.debug({ upstream: upstream.label, request_id: requestId, attempt, latency_ms: latencyMs, outcome }, 'llm attempt')
        if (opts.record !== false) deps.recorder?.record({
          prompt: opts.ref.prompt,
          version: opts.ref.version,
          arm: opts.ref.arm,
          upstream: upstream.label,
          attempt,
          latency_ms: latencyMs,
          prompt_tokens: usage?.prompt_tokens ?? null,
          completion_tokens: usage?.completion_tokens ?? null,
          ok: e == null,
          error_code: e?.code ?? null,
          request_id: requestId,
        })
        return e
      }

      let failure: LlmError
      try {
        const { value, usage } = await fn({ upstream, requestId, attempt, signal: scope.signal, priority })
        if (!opts.hold) end(null, usage)
        return { value, upstream, requestId, attempt, end }
      } catch (err) {
        failure = end(err) as LlmError
      }

      if (scope.signal.aborted) throw failure
      // A Lexi without priority scheduling refused the field: again without it, once per upstream.
      if (failure instanceof LlmPriorityUnsupportedError && priority !== null && !downgraded.has(upstream)) {
        downgraded.add(upstream)
        tried.delete(upstream)
        continue
      }
      const free = opts.failover !== false && failure instanceof LlmUnreachableError && failure.phase === 'connect' &&
        deps.pool.hasUntried(tried)
      if (!free) {
        if (!isRetryable(failure) || retriesUsed >= opts.retries) throw failure
        const delay = backoffMs(retriesUsed, deps.retryBaseMs, deps.retryMaxMs, deps.random, failure.retryAfterMs)
        if (delay >= scope.remaining()) throw failure
        retriesUsed++
        deps.metrics.retries.inc({ upstream: upstream.label, code: failure.code })
        scope.phase = 'request'
        await sleep(delay, scope.signal)
      } else {
        deps.metrics.retries.inc({ upstream: upstream.label, code: failure.code })
      }
    }
  }
}
