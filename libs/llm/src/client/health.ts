import type { ClientContext } from './client-context'
import { createCallScope } from './call-scope'
import { callLogger, reportCall } from './call-report'
import { complete } from './chat-completion'
import { LlmModelNotFoundError, LlmTimeoutError, outcomeOf } from './errors'
import { toLlmError } from './to-llm-error'
import type { CallOptions, HealthResult, RenderedPrompt } from '../types'

/** The biggest answer a health probe may ask for: "OK" is one or two tokens. */
const HEALTH_MAX_TOKENS = 8

/**
 * Health probe with the rendered health prompt: temperature 0, a tiny max_tokens, no cache, one
 * attempt (no retry, no failover) that probes even an open circuit. ok only when the reply is
 * exactly "OK" after trimming. Never throws for upstream failures.
 */
export async function health (ctx: ClientContext, prompt: RenderedPrompt, opts?: CallOptions): Promise<HealthResult> {
  const scope = createCallScope({ ...opts, timeoutMs: opts?.timeoutMs ?? ctx.cfg.healthTimeoutMs }, ctx.cfg.timeoutMs, ctx.now)
  const log = callLogger(ctx, prompt)
  try {
    const c = await complete(ctx, scope, {
      messages: prompt.messages,
      sampling: { ...prompt.sampling, temperature: 0, max_tokens: Math.min(prompt.sampling.max_tokens, HEALTH_MAX_TOKENS) },
      ref: prompt,
    }, { retries: 0, failover: false, ignoreCircuit: true })
    const ok = c.text.trim() === 'OK'
    const latency = ctx.now() - scope.start
    reportCall(ctx, log, prompt, { outcome: ok ? 'ok' : 'bad_reply', latencyMs: latency, usage: c.usage, requestId: c.request_id, attempt: c.attempt })
    return { ok, reply: c.text, model: ctx.model, latency_ms: latency, error: ok ? null : `reply was ${JSON.stringify(c.text)}` }
  } catch (err) {
    const e = toLlmError({ error: err, abortReason: scope.signal.aborted ? scope.signal.reason : undefined, timeoutMs: scope.budgetMs })
    const latency = ctx.now() - scope.start
    reportCall(ctx, log, prompt, { outcome: outcomeOf(e.code), latencyMs: latency, error: e })
    const error = e instanceof LlmTimeoutError
      ? `timeout after ${scope.budgetMs} ms`
      : e instanceof LlmModelNotFoundError ? `model "${ctx.model}" not served` : ctx.scrub(e.message)
    return { ok: false, reply: null, model: ctx.model, latency_ms: latency, error }
  } finally {
    scope.dispose()
  }
}
