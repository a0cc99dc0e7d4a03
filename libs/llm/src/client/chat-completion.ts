import { ADHOC_REF, type ClientContext } from './client-context'
import type { CallScope } from './call-scope'
import { LLM_ERROR_TEXT, LlmUpstreamError } from './errors'
import { checkPromptBudget, estimatePromptTokens, promptTokensUpperBound } from './prompt-budget'
import type { Usage } from './request-runner'
import { DEFAULT_PRIORITY_CLASS, type LlmPriorityClass } from './priority-class'
import type { ChatCompletionBody, ResponseFormat } from './wire'
import type { ChatMessage, ChatRequest } from '../types'

export type { ResponseFormat } from './wire'

export interface Completion {
  text: string
  finish_reason: string | null
  usage: Usage
  request_id: string
  model: string
  /** Which attempt answered (1 = first). */
  attempt: number
}

export interface CompleteOptions {
  responseFormat?: ResponseFormat
  /** @default the client's maxRetries */
  retries?: number
  ignoreCircuit?: boolean
  failover?: boolean
  /** @default 'batch' */
  cls?: LlmPriorityClass | undefined
}

/** The body every completion sends: explicit sampling fields, so vLLM's model defaults never apply. */
export function buildBody(model: string, req: ChatRequest, responseFormat?: ResponseFormat): ChatCompletionBody {
  const s = req.sampling
  return {
    model,
    messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
    temperature: s.temperature,
    top_p: s.top_p,
    max_tokens: s.max_tokens,
    ...(s.seed != null ? { seed: s.seed } : {}),
    ...(s.stop && s.stop.length > 0 ? { stop: s.stop } : {}),
    ...(responseFormat ? { response_format: responseFormat } : {}),
  }
}

export function streamBody(model: string, req: ChatRequest): ChatCompletionBody {
  return { ...buildBody(model, req), stream: true, stream_options: { include_usage: true } }
}

/** Prompt tokens: vLLM's /tokenize when configured (falling back to the estimate), else the estimate. */
export async function countPromptTokens(ctx: ClientContext, messages: ChatMessage[], scope: CallScope): Promise<number> {
  if (ctx.tokenize === 'server') {
    const up = ctx.pool.upstreams.find((u) => u.breaker.available())
    if (up) {
      try {
        return await up.tokenize(ctx.model, messages, scope)
      } catch (err) {
        if (scope.aborted) throw scope.reason
        ctx.log.debug({ upstream: up.label, error: { message: ctx.scrub((err as Error).message) } }, 'tokenize failed; using the estimate')
      }
    }
  }
  return estimatePromptTokens(messages)
}

/** Refuses an oversized prompt before any request is made (LlmPromptTooLongError). */
export async function assertFits(ctx: ClientContext, req: ChatRequest, scope: CallScope): Promise<void> {
  // Most prompts are far from the limit: without a server tokenizer, skip the estimate when even its
  // upper bound fits (the server's count, when configured, is always asked).
  if (ctx.tokenize !== 'server' && promptTokensUpperBound(req.messages) + req.sampling.max_tokens <= ctx.cfg.maxContextTokens) return
  const tokens = await countPromptTokens(ctx, req.messages, scope)
  checkPromptBudget(tokens, req.sampling.max_tokens, ctx.cfg.maxContextTokens)
}

/** One non-streamed chat completion through the runner (slot, retries, breaker, llm_calls). */
export async function complete(ctx: ClientContext, scope: CallScope, req: ChatRequest, o: CompleteOptions = {}): Promise<Completion> {
  await assertFits(ctx, req, scope)
  const body = buildBody(ctx.model, req, o.responseFormat)
  const lease = await ctx.run(
    {
      scope,
      ref: req.ref ?? ADHOC_REF,
      cls: o.cls ?? DEFAULT_PRIORITY_CLASS,
      retries: o.retries ?? ctx.cfg.maxRetries,
      ignoreCircuit: o.ignoreCircuit,
      failover: o.failover,
    },
    async (a) => {
      const res = await a.upstream.createCompletion(body, { abort: a.abort, requestId: a.requestId, priority: a.priority })
      const choice = res.choices[0]
      if (!choice?.message) throw new LlmUpstreamError(LLM_ERROR_TEXT.noChoiceMessage())
      const usage = { prompt_tokens: res.usage?.prompt_tokens ?? 0, completion_tokens: res.usage?.completion_tokens ?? 0 }
      return {
        value: {
          text: choice.message.content ?? '',
          finish_reason: choice.finish_reason ?? null,
          usage,
          request_id: a.requestId,
          model: res.model,
          attempt: a.attempt,
        },
        usage,
      }
    },
  )
  return { ...lease.value, attempt: lease.attempt }
}
