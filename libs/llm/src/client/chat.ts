import { ADHOC_REF, type ClientContext } from './client-context'
import { createCallScope } from './call-scope'
import { callLogger, reportCall } from './call-report'
import { complete } from './chat-completion'
import { readCached, writeCached } from './cache-io'
import { cacheKeyOf, effectiveSampling, isDeterministic, type EffectiveRequest } from './response-cache'
import { toLlmError } from './to-llm-error'
import { outcomeOf } from './errors'
import type { CallOptions, ChatRequest, ChatResult } from '../types'

/** Plain chat completion: cache (deterministic requests), retries, typed errors. */
export async function chat(ctx: ClientContext, req: ChatRequest, opts?: CallOptions): Promise<ChatResult> {
  const scope = createCallScope(opts, ctx.cfg.timeoutMs, ctx.now)
  const ref = req.ref ?? ADHOC_REF
  const log = callLogger(ctx, ref)
  const elapsed = (): number => ctx.now() - scope.start
  try {
    const cache = ctx.cache && opts?.cache !== false && isDeterministic(req.sampling) ? ctx.cache : null
    const effective: EffectiveRequest = {
      mode: 'chat',
      model: ctx.model,
      messages: req.messages,
      sampling: effectiveSampling(req.sampling),
      response_format: null,
      prompt_hash: req.ref?.hash ?? null,
    }
    const key = cache ? cacheKeyOf(effective) : ''
    if (cache && !opts?.force) {
      const hit = await readCached(ctx, log, cache, key)
      if (isChatResult(hit)) {
        ctx.metrics.cache.inc({ result: 'hit' })
        const result = { ...hit, cached: true, latency_ms: elapsed() }
        reportCall(ctx, log, ref, { outcome: 'cache_hit', latencyMs: result.latency_ms, usage: hit.usage, requestId: hit.request_id, cached: true })
        return result
      }
      ctx.metrics.cache.inc({ result: 'miss' })
    }
    const c = await complete(ctx, scope, req, { cls: opts?.priorityClass })
    const { attempt, ...answer } = c
    const result: ChatResult = { ...answer, latency_ms: elapsed(), cached: false }
    if (cache) await writeCached(ctx, log, cache, { key, prompt: ref.prompt, version: ref.version, hash: ref.hash, request: effective, result })
    reportCall(ctx, log, ref, { outcome: 'ok', latencyMs: result.latency_ms, usage: c.usage, requestId: c.request_id, attempt })
    return result
  } catch (err) {
    const e = toLlmError({ error: err, abortReason: scope.aborted ? scope.reason : undefined, timeoutMs: scope.budgetMs })
    reportCall(ctx, log, ref, { outcome: outcomeOf(e.code), latencyMs: elapsed(), error: e })
    throw e
  } finally {
    scope.dispose()
  }
}

function isChatResult(v: unknown): v is Omit<ChatResult, 'latency_ms' | 'cached'> {
  return typeof v === 'object' && v !== null && typeof (v as { text?: unknown }).text === 'string' && typeof (v as { usage?: unknown }).usage === 'object'
}
