import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import type { LlmClient, PromptRegistry, StreamChunk } from '@pulsetrade/llm'
import { isLlmError, TooManyRequestsError, type ZodTypeProvider } from '@pulsetrade/http'
import { buildChatRequest, chatBodySchema, type ChatLimits } from '../chat-request'

export interface ChatRoutesOptions {
  llm: Pick<LlmClient, 'chat' | 'chatStream'>
  prompts: Pick<PromptRegistry, 'render'>
  limits: ChatLimits
  /** Requests per minute per client address (CHAT_RATE_LIMIT_PER_MIN). */
  ratePerMin: number
}

const ChatReply = z.object({
  text: z.string(),
  finish_reason: z.string().nullable(),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }),
  model: z.string(),
  latency_ms: z.number(),
  cached: z.boolean(),
  request_id: z.string().nullable(),
  prompt: z.object({ name: z.string(), version: z.string(), hash: z.string() }),
})

/** An AbortSignal that fires when the client goes away before the reply is complete. */
function clientGone (reply: FastifyReply): AbortSignal {
  const ctl = new AbortController()
  reply.raw.once('close', () => { if (!reply.raw.writableFinished) ctl.abort() })
  return ctl.signal
}

const frame = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`

/** SSE frames after the first chunk; an upstream failure mid-stream ends with an `error` event. */
async function * sseFrames (first: IteratorResult<StreamChunk>, it: AsyncIterator<StreamChunk>): AsyncGenerator<string> {
  try {
    let r = first
    while (r.done !== true) {
      yield frame(r.value)
      r = await it.next()
    }
    yield 'data: [DONE]\n\n'
  } catch (err) {
    const code = isLlmError(err) ? err.code : 'API_ERR_INTERNAL'
    const message = isLlmError(err) ? err.message : 'Internal Server Error'
    yield `event: error\n${frame({ code, message })}`
  } finally {
    await it.return?.()
  }
}

/** POST /llm/chat: ad-hoc chat with Lexi, JSON or SSE (`stream: true`), rate-limited per client. */
export async function chatRoutes (scope: FastifyInstance, opts: ChatRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  app.post('/llm/chat', {
    config: {
      rateLimit: {
        max: opts.ratePerMin,
        timeWindow: 60_000,
        errorResponseBuilder: (_req: unknown, ctx: { max: number, after: string }) =>
          new TooManyRequestsError(`rate limit of ${ctx.max} chat requests per minute exceeded (CHAT_RATE_LIMIT_PER_MIN); retry in ${ctx.after}`),
      },
    },
    schema: {
      tags: ['llm'],
      summary: 'Ad-hoc chat with Lexi; `stream: true` answers text/event-stream',
      body: chatBodySchema(opts.limits),
      response: { 200: ChatReply },
    },
  }, async (req, reply) => {
    const request = buildChatRequest(req.body, opts.prompts, opts.limits)
    const signal = clientGone(reply)
    const ref = { name: request.ref!.prompt, version: request.ref!.version, hash: request.ref!.hash }
    if (!req.body.stream) {
      const r = await opts.llm.chat(request, { signal, cache: false })
      return { ...r, prompt: ref }
    }
    // Pull the first chunk before answering: failures before any token keep their HTTP status.
    const it = opts.llm.chatStream(request, { signal })[Symbol.asyncIterator]()
    const first = await it.next()
    reply.header('cache-control', 'no-cache').header('x-accel-buffering', 'no').type('text/event-stream; charset=utf-8')
    // A stream is sent as is: fastify skips the response schema for it, the type provider does not know that.
    return reply.send(Readable.from(sseFrames(first, it)) as never)
  })
}
