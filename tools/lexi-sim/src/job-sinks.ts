import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { AnswerPlan } from './answer-plan'
import type { SimContext } from './context'
import type { JobFailure, JobSink } from './engine'
import { emptyError, type SimHttpError, streamErrorPayload } from './errors'
import { JSON_TYPE, sendBody, sendError } from './http-io'
import type { GenerationRequest } from './request-body'
import { type BodyHead, chatCompletionBody, completionBody, createChunkWriter, DONE_FRAME, usageOf } from './response-bodies'

export interface SinkArgs {
  ctx: SimContext
  route: 'chat' | 'completions'
  res: ServerResponse
  head: BodyHead
  plan: AnswerPlan
  promptTokens: number
  request: GenerationRequest
  extra: OutgoingHttpHeaders
}

export interface RequestSink extends JobSink {
  /** Engine-side refusal (duplicate id, priority): a 400, or an in-band frame once streaming. */
  refuse: (err: SimHttpError) => void
}

const drop = (res: ServerResponse): void => {
  res.socket?.destroy()
}

/** Non-stream: nothing is sent until the whole answer exists (so the SDK timeout covers it all). */
export function createJsonSink(a: SinkArgs): RequestSink {
  const { ctx, res, plan } = a
  return {
    onStart() {},
    onTokens() {},
    onFinish() {
      const usage = usageOf(a.promptTokens, plan.deltas.length)
      const build = a.route === 'chat' ? chatCompletionBody : completionBody
      sendBody(res, 200, build(a.head, plan.text, plan.finishReason, plan.stopReason, usage), JSON_TYPE, a.extra)
    },
    onFail(kind: JobFailure) {
      if (kind === 'engine_dead') sendError(res, emptyError(ctx.behaviour.engineDeadStatus), a.extra)
      else drop(res)
    },
    refuse: (err) => sendError(res, err, a.extra),
  }
}

/** Stream: headers go out at once (before queueing and prefill), then one frame per token. */
export function createStreamSink(a: SinkArgs): RequestSink {
  const { ctx, res, plan, request } = a
  res.writeHead(200, { server: 'uvicorn', 'content-type': 'text/event-stream; charset=utf-8', ...a.extra })
  res.flushHeaders()
  const w = createChunkWriter(a.route, a.head)
  const n = plan.deltas.length
  const live = (count: number) => (request.continuousUsage ? usageOf(a.promptTokens, count) : null)
  const inBand = (status: number, message: string, type: string): void => {
    if (res.writableEnded || res.destroyed) return
    res.end(`data: ${streamErrorPayload(ctx.behaviour, status, message, type)}\n\n${DONE_FRAME}`)
  }
  return {
    onStart() {},
    onTokens(from, to) {
      let out = from === 0 ? w.role(live(0)) : ''
      for (let i = from; i < to; i++) {
        const last = i === n - 1
        const text = plan.deltas[i] as string
        if (text === '' && !last) continue
        out += w.delta(text, last ? { reason: plan.finishReason, stop: plan.stopReason } : null, live(i + 1))
      }
      if (out !== '' && !res.destroyed) res.write(out)
    },
    onFinish() {
      if (res.destroyed) return
      res.end((request.includeUsage ? w.usage(usageOf(a.promptTokens, n)) : '') + DONE_FRAME)
    },
    onFail(kind: JobFailure) {
      if (kind === 'stream_error') inBand(500, 'Simulated engine error during generation (lexi-sim stream_error fault).', 'InternalServerError')
      else drop(res)
    },
    refuse: (err) => inBand(err.status, err.message, err.errorType ?? 'BadRequestError'),
  }
}
