import type { ClientContext } from './client-context'
import type { LlmError } from './errors'
import type { Usage } from './request-runner'

export interface CallRef {
  prompt: string
  version: string
  arm: string | null
}

export interface CallOutcome {
  outcome: string
  latencyMs: number
  usage?: Usage | null
  requestId?: string | null
  /** Attempts the (last) completion took. */
  attempt?: number
  cached?: boolean
  error?: LlmError | null
  /** Extra facts for the log line (e.g. repair_reason). */
  extra?: Record<string, unknown>
}

/** The lines one call writes; each carries the call's prompt, version and arm. */
export interface CallLog {
  info: (fields: Record<string, unknown>, msg: string) => void
  warn: (fields: Record<string, unknown>, msg: string) => void
}

/**
 * The per-call logger. Not a pino child: creating one per call (bindings serialized and passed
 * through the redaction) cost ~4 µs of every call, logged or not (bench B2); here the bindings are
 * merged into a line only when its level is enabled.
 */
export function callLogger(ctx: ClientContext, ref: CallRef): CallLog {
  const line =
    (level: 'info' | 'warn') =>
    (fields: Record<string, unknown>, msg: string): void => {
      if (ctx.log.isLevelEnabled(level)) ctx.log[level]({ prompt: ref.prompt, version: ref.version, arm: ref.arm, ...fields }, msg)
    }
  return { info: line('info'), warn: line('warn') }
}

/** One log line and the metrics for a finished call. Error text is scrubbed of credentials. */
export function reportCall(ctx: ClientContext, log: CallLog, ref: CallRef, r: CallOutcome): void {
  const labels = { prompt: ref.prompt, version: ref.version, outcome: r.outcome }
  ctx.metrics.latency.observe(labels, r.latencyMs / 1000)
  ctx.metrics.outcomes.inc(labels)
  if (r.usage && !r.cached) {
    ctx.metrics.tokens.inc({ prompt: ref.prompt, kind: 'prompt' }, r.usage.prompt_tokens)
    ctx.metrics.tokens.inc({ prompt: ref.prompt, kind: 'completion' }, r.usage.completion_tokens)
  }
  const fields = {
    outcome: r.outcome,
    latency_ms: Math.round(r.latencyMs),
    prompt_tokens: r.usage?.prompt_tokens ?? null,
    completion_tokens: r.usage?.completion_tokens ?? null,
    request_id: r.requestId ?? r.error?.requestId ?? null,
    attempt: r.attempt ?? null,
    cached: r.cached ?? false,
    ...r.extra,
  }
  if (r.error) log.warn({ ...fields, error: { code: r.error.code, status: r.error.status, message: ctx.scrub(r.error.message) } }, 'llm call failed')
  else log.info(fields, 'llm call done')
}
