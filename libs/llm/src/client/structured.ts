import { z } from 'zod'
import type { ClientContext } from './client-context'
import { createCallScope } from './call-scope'
import { callLogger, reportCall } from './call-report'
import { complete, type Completion, type ResponseFormat } from './chat-completion'
import { checkAnswer, echoOf, repairMessage } from './answer-check'
import { LLM_ERROR_TEXT, LlmInvalidJsonError, LlmPromptTooLongError, outcomeOf, type LlmError } from './errors'
import { readCached, writeCached } from './cache-io'
import { cacheKeyOf, effectiveSampling, isDeterministic, type EffectiveRequest } from './response-cache'
import { toLlmError } from './to-llm-error'
import type { LlmResult } from '../contract'
import type { CallOptions, ChatRequest, RenderedPrompt } from '../types'

/**
 * LlmResult plus `first_raw`: the model's untouched text of the first attempt when a repair round
 * ran (then `raw` is the repair answer), else null.
 */
export type StructuredResult<T> = LlmResult<T> & { first_raw: string | null }

const derived = new WeakMap<z.ZodType, Record<string, unknown>>()

/** z.toJSONSchema, computed once per schema object (it is a noticeable share of a call's CPU). */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  let js = derived.get(schema)
  if (!js) {
    js = z.toJSONSchema(schema) as Record<string, unknown>
    derived.set(schema, js)
  }
  return js
}

/**
 * Structured call: response_format json_schema, parse + zod-validate, one repair round for invalid
 * JSON / schema mismatch / finish_reason "length". Never throws for upstream failures: they come
 * back as ok:false with error {code, cause, message}.
 */
export async function structured<S extends z.ZodType>(
  ctx: ClientContext,
  prompt: RenderedPrompt,
  schema: S,
  opts?: CallOptions,
): Promise<StructuredResult<z.infer<S>>> {
  const scope = createCallScope(opts, ctx.cfg.timeoutMs, ctx.now)
  const log = callLogger(ctx, prompt)
  const elapsed = (): number => ctx.now() - scope.start
  const responseFormat: ResponseFormat = {
    type: 'json_schema',
    json_schema: { name: prompt.prompt, schema: prompt.jsonSchema ?? jsonSchemaOf(schema), strict: true },
  }
  const req: ChatRequest = { messages: prompt.messages, sampling: prompt.sampling, ref: prompt }
  const base = {
    prompt: prompt.prompt,
    version: prompt.version,
    hash: prompt.hash,
    arm: prompt.arm,
    bucket: prompt.bucket,
  }
  const usage = { prompt_tokens: 0, completion_tokens: 0 }
  let last: Completion | null = null
  let firstRaw: string | null = null
  const addUsage = (c: Completion): void => {
    usage.prompt_tokens += c.usage.prompt_tokens
    usage.completion_tokens += c.usage.completion_tokens
  }
  const failed = (e: LlmError, extra?: Record<string, unknown>): StructuredResult<z.infer<S>> => {
    const result = {
      ...base,
      ok: false,
      valid_json: false,
      repaired: false,
      cached: false,
      parsed: null,
      raw: last?.text ?? '',
      first_raw: firstRaw,
      finish_reason: last?.finish_reason ?? null,
      latency_ms: elapsed(),
      usage,
      request_id: e.requestId ?? last?.request_id ?? null,
      error: { ...e.toData(), message: ctx.scrub(e.message) },
    }
    reportCall(ctx, log, prompt, {
      outcome: outcomeOf(e.code),
      latencyMs: result.latency_ms,
      usage,
      requestId: result.request_id,
      attempt: last?.attempt,
      error: e,
      extra,
    })
    return result
  }

  try {
    const cache = ctx.cache && opts?.cache !== false && isDeterministic(prompt.sampling) ? ctx.cache : null
    const effective: EffectiveRequest = {
      mode: 'structured',
      model: ctx.model,
      messages: prompt.messages,
      sampling: effectiveSampling(prompt.sampling),
      response_format: responseFormat,
      prompt_hash: prompt.hash,
    }
    const key = cache ? cacheKeyOf(effective) : ''
    if (cache && !opts?.force) {
      const hit = await readCached(ctx, log, cache, key)
      const stored = hit as StructuredResult<unknown> | null
      const parsed = stored?.ok ? schema.safeParse(stored.parsed) : null
      if (stored && parsed?.success) {
        ctx.metrics.cache.inc({ result: 'hit' })
        const result = { ...stored, ...base, parsed: parsed.data, cached: true, latency_ms: elapsed() }
        reportCall(ctx, log, prompt, { outcome: 'cache_hit', latencyMs: result.latency_ms, usage: stored.usage, requestId: stored.request_id, cached: true })
        return result
      }
      ctx.metrics.cache.inc({ result: 'miss' })
    }

    last = await complete(ctx, scope, req, { responseFormat, cls: opts?.priorityClass })
    addUsage(last)
    let check = checkAnswer(last.text, last.finish_reason, schema)
    let repaired = false
    if (!check.ok) {
      firstRaw = last.text
      const problem = check.problem
      const repairReq: ChatRequest = {
        ...req,
        messages: [...prompt.messages, { role: 'assistant', content: echoOf(last.text) }, { role: 'user', content: repairMessage(problem) }],
      }
      try {
        last = await complete(ctx, scope, repairReq, { responseFormat, cls: opts?.priorityClass })
      } catch (err) {
        const e = toLlmError({ error: err, abortReason: scope.aborted ? scope.reason : undefined, timeoutMs: scope.budgetMs })
        // No room left in the context window for the repair: the answer stays what it was, invalid.
        if (e instanceof LlmPromptTooLongError)
          return failed(new LlmInvalidJsonError(LLM_ERROR_TEXT.noRoomToRepair(problem, e.message)), { repair_reason: problem })
        return failed(e, { repair_reason: problem })
      }
      addUsage(last)
      check = checkAnswer(last.text, last.finish_reason, schema)
      if (!check.ok) {
        return failed(new LlmInvalidJsonError(LLM_ERROR_TEXT.stillInvalid(check.problem, problem)), { repair_reason: problem })
      }
      repaired = true
    }

    const result: StructuredResult<z.infer<S>> = {
      ...base,
      ok: true,
      valid_json: true,
      repaired,
      cached: false,
      parsed: check.parsed,
      raw: last.text,
      first_raw: firstRaw,
      finish_reason: last.finish_reason,
      latency_ms: elapsed(),
      usage,
      request_id: last.request_id,
      error: null,
    }
    if (cache) await writeCached(ctx, log, cache, { key, prompt: prompt.prompt, version: prompt.version, hash: prompt.hash, request: effective, result })
    reportCall(ctx, log, prompt, {
      outcome: repaired ? 'repaired' : 'ok',
      latencyMs: result.latency_ms,
      usage,
      requestId: result.request_id,
      attempt: last.attempt,
    })
    return result
  } catch (err) {
    return failed(toLlmError({ error: err, abortReason: scope.aborted ? scope.reason : undefined, timeoutMs: scope.budgetMs }))
  } finally {
    scope.dispose()
  }
}
