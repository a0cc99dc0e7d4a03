import { ADHOC_REF, type ClientContext } from './client-context'
import { createCallScope } from './call-scope'
import { callLogger, reportCall } from './call-report'
import { assertFits, streamBody } from './chat-completion'
import { LlmAbortedError, LlmPriorityUnsupportedError, LlmTimeoutError, outcomeOf, type LlmError } from './errors'
import { DEFAULT_PRIORITY_CLASS } from './priority-class'
import type { Lease, Usage } from './request-runner'
import { toLlmError } from './to-llm-error'
import type { ChatCompletionChunk } from './wire'
import type { CallOptions, ChatRequest, StreamChunk } from '../types'

/**
 * Streamed chat. Before the stream starts the call retries like chat(); once it has started nothing
 * is retried. Deltas are yielded as they come; an idle timer (streamIdleMs) and the call's total
 * deadline both abort the request; in-band `data: {"error":...}` frames become typed errors
 * (sse-chunks.ts); a
 * consumer that stops iterating (break/return) aborts the upstream request, freeing its slot.
 */
export async function* chatStream(ctx: ClientContext, req: ChatRequest, opts?: CallOptions): AsyncGenerator<StreamChunk, void, undefined> {
  const scope = createCallScope(opts, ctx.cfg.timeoutMs, ctx.now)
  const ref = req.ref ?? ADHOC_REF
  const log = callLogger(ctx, ref)
  let lease: Lease<AsyncGenerator<ChatCompletionChunk, void, undefined>> | null = null
  let usage: Usage = { prompt_tokens: 0, completion_tokens: 0 }
  let idle: NodeJS.Timeout | undefined
  let settled = false
  const armIdle = (): void => {
    clearTimeout(idle)
    idle = setTimeout(() => {
      scope.abort(new LlmTimeoutError(ctx.cfg.streamIdleMs, 'stream_idle'))
    }, ctx.cfg.streamIdleMs)
  }
  const fail = (err: unknown): LlmError => {
    settled = true
    const abortReason = scope.aborted ? scope.reason : undefined
    const e = lease?.end(err, usage) ?? toLlmError({ error: err, abortReason, timeoutMs: scope.budgetMs })
    reportCall(ctx, log, ref, { outcome: outcomeOf(e.code), latencyMs: ctx.now() - scope.start, usage, error: e })
    return e
  }

  try {
    await assertFits(ctx, req, scope)
    const body = streamBody(ctx.model, req)
    const cls = opts?.priorityClass ?? DEFAULT_PRIORITY_CLASS
    // vLLM checks `priority` when the stream has already started: its refusal comes as the first
    // frame. Then (nothing yielded yet) the stream is opened once more, without the field.
    for (let round = 0; ; round++) {
      lease = await ctx.run({ scope, ref, cls, retries: ctx.cfg.maxRetries, hold: true }, async (a) => ({
        value: await a.upstream.openStream(body, { abort: a.abort, requestId: a.requestId, priority: a.priority }),
      }))
      scope.phase = 'stream'
      // A consumer that stops pulling without return() must not keep the slot: the deadline or idle
      // abort ends the attempt even while this generator sits suspended at a yield.
      const held = lease
      const onAbort = (): void => {
        held.end(scope.signal.reason, usage)
      }
      scope.signal.addEventListener('abort', onAbort, { once: true })
      armIdle()
      let yielded = false
      try {
        for await (const chunk of lease.value) {
          armIdle()
          ctx.signals.lastProgressAt = ctx.now()
          if (chunk.usage) usage = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens }
          const choice = chunk.choices[0]
          if (!choice) continue
          const delta = choice.delta?.content ?? ''
          const finish = choice.finish_reason ?? null
          if (delta === '' && finish == null) continue
          yielded = true
          yield { delta, finish_reason: finish }
        }
      } catch (err) {
        if (round > 0 || yielded || scope.signal.aborted) throw err
        if (!(toLlmError({ error: err }) instanceof LlmPriorityUnsupportedError)) throw err
        // Ending the attempt with this error makes the runner remember the upstream refuses priorities.
        held.end(err, usage)
        scope.signal.removeEventListener('abort', onAbort)
        clearTimeout(idle)
        scope.phase = 'request'
        lease = null
        continue
      }
      break
    }
    // A body cut by our own abort may end without an error: an abort (deadline, idle) must still surface.
    if (scope.signal.aborted) throw scope.signal.reason
    settled = true
    lease.end(null, usage)
    reportCall(ctx, log, ref, { outcome: 'ok', latencyMs: ctx.now() - scope.start, usage, requestId: lease.requestId, attempt: lease.attempt })
  } catch (err) {
    throw fail(err)
  } finally {
    clearTimeout(idle)
    if (!settled) {
      // The consumer stopped early: close the socket so the upstream frees the sequence slot.
      const stop = new LlmAbortedError()
      scope.abort(stop)
      const e = lease?.end(stop, usage) ?? stop
      reportCall(ctx, log, ref, { outcome: 'cancelled', latencyMs: ctx.now() - scope.start, usage, requestId: e.requestId })
    }
    scope.dispose()
  }
}
