import type { ClientContext } from './client-context'
import { createCallScope } from './call-scope'
import { callLogger, reportCall } from './call-report'
import { complete } from './chat-completion'
import { LlmModelNotFoundError, LlmTimeoutError, LlmUnreachableError, outcomeOf } from './errors'
import { toLlmError } from './to-llm-error'
import type { CallOptions, HealthResult, RenderedPrompt } from '../types'

/** The biggest answer a health probe may ask for: "OK" is one or two tokens. */
const HEALTH_MAX_TOKENS = 8

/** A real call's answer or streamed token this recent (or during the probe) shows Lexi is working. */
const PROGRESS_WINDOW_MS = 5_000

/**
 * Health probe with the rendered health prompt: temperature 0, a tiny max_tokens, no cache, one
 * attempt (no retry, no failover) that probes even an open circuit. It runs in the `health` class:
 * its own slot, never behind the client's queue, vLLM's lowest priority value. ok only when the
 * reply is exactly "OK" after trimming. A probe that times out while other calls of this client
 * were still getting answers reports `saturated` (busy, not broken). Never throws for upstream
 * failures.
 */
export async function health(ctx: ClientContext, prompt: RenderedPrompt, opts?: CallOptions): Promise<HealthResult> {
  const scope = createCallScope({ ...opts, timeoutMs: opts?.timeoutMs ?? ctx.cfg.healthTimeoutMs }, ctx.cfg.timeoutMs, ctx.now)
  const log = callLogger(ctx, prompt)
  const queue = (): HealthResult['queue'] => ({ in_flight: ctx.semaphore.inFlight, waiting: ctx.semaphore.waiting })
  const req = {
    messages: prompt.messages,
    sampling: { ...prompt.sampling, temperature: 0, max_tokens: Math.min(prompt.sampling.max_tokens, HEALTH_MAX_TOKENS) },
    ref: prompt,
  }
  const probe = () => complete(ctx, scope, req, { retries: 0, failover: false, ignoreCircuit: true, cls: 'health' })
  try {
    let c
    try {
      c = await probe()
    } catch (err) {
      // A keep-alive socket the server closed as we reused it resets at once: that says nothing
      // about Lexi, so the probe goes again on a fresh connection (once, within its deadline).
      if (!(err instanceof LlmUnreachableError && err.phase === 'reset') || scope.aborted) throw err
      c = await probe()
    }
    const ok = c.text.trim() === 'OK'
    const latency = ctx.now() - scope.start
    reportCall(ctx, log, prompt, { outcome: ok ? 'ok' : 'bad_reply', latencyMs: latency, usage: c.usage, requestId: c.request_id, attempt: c.attempt })
    return {
      ok,
      reply: c.text,
      model: ctx.model,
      latency_ms: latency,
      error: ok ? null : `reply was ${JSON.stringify(c.text)}`,
      state: ok ? 'ok' : 'down',
      queue: queue(),
    }
  } catch (err) {
    const e = toLlmError({ error: err, abortReason: scope.aborted ? scope.reason : undefined, timeoutMs: scope.budgetMs })
    const end = ctx.now()
    const latency = end - scope.start
    const busy = e instanceof LlmTimeoutError && ctx.signals.lastProgressAt > 0 && ctx.signals.lastProgressAt >= Math.min(scope.start, end - PROGRESS_WINDOW_MS)
    reportCall(ctx, log, prompt, { outcome: busy ? 'saturated' : outcomeOf(e.code), latencyMs: latency, error: busy ? null : e })
    if (busy) {
      return {
        ok: false,
        reply: null,
        model: ctx.model,
        latency_ms: latency,
        error: `saturated: no answer within ${scope.budgetMs} ms while other calls are being answered`,
        state: 'saturated',
        queue: queue(),
      }
    }
    const error =
      e instanceof LlmTimeoutError
        ? `timeout after ${scope.budgetMs} ms`
        : e instanceof LlmModelNotFoundError
          ? `model "${ctx.model}" not served`
          : ctx.scrub(e.message)
    return { ok: false, reply: null, model: ctx.model, latency_ms: latency, error, state: 'down', queue: queue() }
  } finally {
    scope.dispose()
  }
}
