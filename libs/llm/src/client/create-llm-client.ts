import pino from 'pino'
import { Registry } from 'prom-client'
import type { z } from 'zod'
import { createCallRecorder, type CallRecorder } from './call-recorder'
import { createCallScope } from './call-scope'
import { chat } from './chat'
import { chatStream } from './chat-stream'
import { createDiagnose, type Diagnosis } from './diagnose'
import type { CircuitState } from './circuit-breaker'
import type { ClientContext } from './client-context'
import { createClientMetrics } from './client-metrics'
import { parseBaseUrls, resolveNumbers, type LlmClientOptions } from './client-options'
import { health } from './health'
import { REDACT_PATHS, createScrubber } from './log-redaction'
import { createRequestRunner } from './request-runner'
import { createResponseCache } from './response-cache'
import { createSemaphore } from './semaphore'
import type { LlmPriorityClass } from './priority-class'
import { structured, type StructuredResult } from './structured'
import { toLlmError } from './to-llm-error'
import { createUpstream } from './upstream'
import { createUpstreamPool } from './upstream-pool'
import type { CallOptions, LlmClient, RenderedPrompt } from '../types'

export interface LlmClientStats {
  inFlight: number
  waiting: number
  /** Slots held and callers waiting per priority class. */
  classes: Record<LlmPriorityClass, { inFlight: number; waiting: number }>
  /**
   * `priority`: requests carry vLLM's priority field. `refused`: the upstream answered that priority
   * scheduling is not enabled, so it gets none. `off`: priority scheduling is not configured.
   */
  upstreams: Array<{
    label: string
    inFlight: number
    circuit: CircuitState
    /** Error code of the failure that opened the circuit (e.g. LLM_ERR_UNREACHABLE); null while closed. */
    openedBy: string | null
    priority: 'priority' | 'refused' | 'off'
  }>
}

export interface LlmClientInstance extends LlmClient {
  structured: <S extends z.ZodType>(prompt: RenderedPrompt, schema: S, opts?: CallOptions) => Promise<StructuredResult<z.infer<S>>>
  /** The prom-client registry holding this client's metrics (serve it on /metrics). */
  metrics: Registry
  stats: () => LlmClientStats
  /** Waits until every queued llm_calls row is written. */
  flush: () => Promise<void>
  /**
   * Why the upstreams fail right now (GET /models on each, 1 s deadline, one probe per second
   * shared by all callers): `unreachable`, `timeout`, `upstream_error`, or `circuit_open` when one
   * answers. For a circuit-open failure whose cause is unknown (diagnose.ts).
   */
  diagnose: () => Promise<Diagnosis>
}

/** Slots of the health probe on top of the concurrency (see semaphore.ts). */
const HEALTH_SLOTS = 1

/** The LLM client of design section 5. See docs/llm-client.md. */
export function createLlmClient(options: LlmClientOptions): LlmClientInstance {
  const cfg = resolveNumbers(options)
  const urls = parseBaseUrls(options.baseURL)
  const apiKey = options.apiKey ?? 'EMPTY'
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'llm' }, { redact: { paths: REDACT_PATHS, censor: '[redacted]' } })
  const registry = options.metrics ?? new Registry()

  const upstreams = urls.map((url) =>
    createUpstream({
      url,
      apiKey,
      // The health probe's own slot (and models/tokenize, which take none) must not wait for a socket.
      connections: cfg.concurrency + HEALTH_SLOTS + 1,
      transportTimeoutMs: cfg.timeoutMs + 5_000,
      failureThreshold: cfg.failureThreshold,
      cooldownMs: cfg.cooldownMs,
      now,
      dispatcher: options.dispatcher?.(url),
      onCircuitChange: (label, state, opening) => {
        const line = { upstream: label, circuit: state }
        if (state === 'open') log.warn({ ...line, opened_by: opening && { code: opening.code, failures: opening.failures } }, 'llm circuit opened')
        else log.info(line, 'llm circuit changed')
      },
    }),
  )
  const pool = createUpstreamPool(upstreams)
  const semaphore = createSemaphore(cfg.concurrency, cfg.maxQueue, {
    interactive: cfg.interactiveSlots,
    batch: cfg.batchSlots,
    reserved: cfg.reservedSlots,
    health: HEALTH_SLOTS,
  })
  const priorityScheduling = options.priorityScheduling ?? false
  const signals = { failures: 0, lastProgressAt: 0 }
  const metrics = createClientMetrics(registry, {
    inFlight: () => semaphore.inFlight,
    waiting: () => semaphore.waiting,
    classes: () => semaphore.byClass(),
    circuits: () => upstreams.map((u) => ({ label: u.label, state: u.breaker.state() })),
  })
  const recorder: CallRecorder | null = options.db
    ? createCallRecorder(options.db, log, (n) => {
        metrics.callLogErrors.inc(n)
      })
    : null
  const ctx: ClientContext = {
    model: options.model ?? 'Lexi',
    cfg,
    tokenize: options.tokenize ?? 'estimate',
    pool,
    run: createRequestRunner({
      pool,
      semaphore,
      now,
      random,
      retryBaseMs: cfg.retryBaseMs,
      retryMaxMs: cfg.retryMaxMs,
      metrics,
      recorder,
      log,
      priorityScheduling,
      signals,
    }),
    cache: options.db ? createResponseCache(options.db) : null,
    metrics,
    log,
    scrub: createScrubber([apiKey]),
    now,
    signals,
    semaphore,
  }

  return {
    chat: (req, opts) => chat(ctx, req, opts),
    chatStream: (req, opts) => chatStream(ctx, req, opts),
    structured: (prompt, schema, opts) => structured(ctx, prompt, schema, opts),
    health: (prompt, opts) => health(ctx, prompt, opts),
    models: async (opts) => {
      const scope = createCallScope(opts, cfg.timeoutMs, now)
      try {
        const lease = await ctx.run(
          { scope, ref: { prompt: 'models', version: '-', arm: null }, cls: 'health', retries: cfg.maxRetries, slot: false, record: false },
          async (a) => {
            const cards = await a.upstream.listModels({ abort: a.abort, requestId: a.requestId })
            // vLLM adds max_model_len to each card (not in the OpenAI type).
            return { value: cards.map((m) => ({ id: m.id, max_model_len: m.max_model_len ?? null })) }
          },
        )
        return lease.value
      } catch (err) {
        throw toLlmError({ error: err, abortReason: scope.aborted ? scope.reason : undefined, timeoutMs: scope.budgetMs })
      } finally {
        scope.dispose()
      }
    },
    close: async () => {
      await recorder?.flush()
      await Promise.all(upstreams.map((u) => u.close()))
    },
    metrics: registry,
    stats: () => ({
      inFlight: semaphore.inFlight,
      waiting: semaphore.waiting,
      classes: semaphore.byClass(),
      upstreams: upstreams.map((u) => ({
        label: u.label,
        inFlight: u.inFlight,
        circuit: u.breaker.state(),
        openedBy: u.breaker.openedBy()?.code ?? null,
        priority: !priorityScheduling ? ('off' as const) : u.priorityRefused ? ('refused' as const) : ('priority' as const),
      })),
    }),
    upstreamFailures: () => signals.failures,
    flush: async () => {
      await recorder?.flush()
    },
    diagnose: createDiagnose(upstreams, { now }),
  }
}
