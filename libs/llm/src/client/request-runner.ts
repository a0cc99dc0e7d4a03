import { randomUUID } from 'node:crypto'
import type { AbortHook } from './abort-hook'
import { attemptEnder, type AttemptBooks, type EndAttempt, type Usage } from './attempt-end'
import { sleep, type CallScope } from './call-scope'
import { LlmCircuitOpenError, LlmPriorityUnsupportedError, LlmUnreachableError, type LlmError } from './errors'
import { VLLM_PRIORITY, type LlmPriorityClass } from './priority-class'
import { backoffMs, isRetryable } from './retry-policy'
import type { Semaphore, Release } from './semaphore'
import type { Upstream } from './upstream'
import type { UpstreamPool } from './upstream-pool'

export type { Usage, UpstreamSignals } from './attempt-end'

export interface Attempt {
  upstream: Upstream
  /** Fresh per attempt; sent as X-Request-Id (vLLM answers id "chatcmpl-<it>"). */
  requestId: string
  attempt: number
  /** The call's abort source (its scope). */
  abort: AbortHook
  /** vLLM `priority` to send with this attempt, or null to send none. */
  priority: number | null
}

export interface RunOptions {
  scope: CallScope
  ref: { prompt: string; version: string; arm: string | null }
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
  /** Ends a held attempt (attempt-end.ts: slot, breaker, metrics, log, llm_calls row); returns the mapped error. */
  end: EndAttempt
}

export interface RunnerDeps extends AttemptBooks {
  pool: UpstreamPool
  semaphore: Semaphore
  random: () => number
  retryBaseMs: number
  retryMaxMs: number
  /** Send vLLM's `priority` field (LLM_PRIORITY_SCHEDULING). */
  priorityScheduling: boolean
}

export type RequestRunner = <T>(opts: RunOptions, fn: (a: Attempt) => Promise<{ value: T; usage?: Usage }>) => Promise<Lease<T>>

const noop: Release = () => {}

/**
 * The one retry layer: slot → upstream (least in-flight, circuit allowing) → attempt → typed error →
 * retry/failover or give up, never past the call's deadline. Writes one llm_calls row per attempt.
 */
export function createRequestRunner(deps: RunnerDeps): RequestRunner {
  // Fails fast, naming the failures that opened the circuits (the most recent opening is the cause).
  const circuitOpen = (): LlmCircuitOpenError =>
    new LlmCircuitOpenError(
      deps.pool.upstreams.map((u) => u.label),
      deps.pool.openings(),
    )

  return async function run<T>(opts: RunOptions, fn: (a: Attempt) => Promise<{ value: T; usage?: Usage }>): Promise<Lease<T>> {
    const { scope } = opts
    const tried = new Set<Upstream>()
    let retriesUsed = 0
    let downgraded: Set<Upstream> | null = null
    for (let attempt = 1; ; attempt++) {
      if (!opts.ignoreCircuit && !deps.pool.anyAvailable()) throw circuitOpen()
      let release = noop
      if (opts.slot !== false) {
        if (scope.aborted) throw scope.reason
        const now = deps.semaphore.tryAcquire(opts.cls)
        if (now !== null) release = now
        else {
          scope.phase = 'queue'
          release = await deps.semaphore.acquire({ waitMs: scope.remaining(), budgetMs: scope.budgetMs, signal: scope.signal, cls: opts.cls })
          scope.phase = 'request'
        }
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
      upstream.inFlight++
      const end = attemptEnder(deps, {
        upstream,
        ticket,
        release,
        requestId,
        attempt,
        priority,
        scope,
        ref: opts.ref,
        ignoreCircuit: opts.ignoreCircuit === true,
        record: opts.record !== false,
        startedAt: deps.now(),
      })

      let failure: LlmError
      try {
        const { value, usage } = await fn({ upstream, requestId, attempt, abort: scope, priority })
        if (!opts.hold) end(null, usage)
        return { value, upstream, requestId, attempt, end }
      } catch (err) {
        failure = end(err) as LlmError
      }

      if (scope.aborted) throw failure
      // A Lexi without priority scheduling refused the field: again without it, once per upstream.
      if (failure instanceof LlmPriorityUnsupportedError && priority !== null && !downgraded?.has(upstream)) {
        ;(downgraded ??= new Set()).add(upstream)
        tried.delete(upstream)
        continue
      }
      const free = opts.failover !== false && failure instanceof LlmUnreachableError && failure.phase === 'connect' && deps.pool.hasUntried(tried)
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
