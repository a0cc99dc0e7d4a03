import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { LlmClient, PromptRegistry, StreamChunk } from '@pulsetrade/llm'
import {
  createAuthFailureThrottle,
  isLlmError,
  TooManyRequestsError,
  tokenAuth,
  UnauthorizedError,
  type NamedToken,
  type ZodTypeProvider,
} from '@pulsetrade/http'
import { buildChatRequest, chatBodySchema, type ChatDefaults, type ChatLimits } from '../chat-request'

export interface ChatRoutesOptions {
  llm: Pick<LlmClient, 'chat' | 'chatStream'>
  prompts: Pick<PromptRegistry, 'render'>
  limits: ChatLimits
  /** LLM_TEMPERATURE, LLM_TOP_P, LLM_MAX_OUTPUT_TOKENS. */
  defaults: ChatDefaults
  /** CHAT_TOKENS: who may chat; none means every chat request is refused (401). */
  tokens: NamedToken[]
  /** Requests per minute per token (CHAT_RATE_LIMIT_PER_MIN). */
  ratePerMin: number
  /** Chat requests (streamed or not) one token may have in flight at once (CHAT_MAX_STREAMS_PER_TOKEN). */
  maxStreamsPerToken: number
  /** Failed chat authentications per client address per minute before 429 (CHAT_AUTH_MAX_FAILURES). */
  authMaxFailures: number
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
function clientGone(reply: FastifyReply): AbortSignal {
  const ctl = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ctl.abort()
  })
  return ctl.signal
}

const frame = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`

/** SSE frames after the first chunk; an upstream failure mid-stream ends with an `error` event. */
async function* sseFrames(first: IteratorResult<StreamChunk>, it: AsyncIterator<StreamChunk>): AsyncGenerator<string> {
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

/**
 * POST /llm/chat: ad-hoc chat with Lexi, JSON or SSE (`stream: true`). Needs a bearer token from
 * CHAT_TOKENS; the rate limit and the cap on requests in flight count per token, not per address
 * (many callers share an address behind a proxy; one caller can use many addresses).
 */
export async function chatRoutes(scope: FastifyInstance, opts: ChatRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  const throttle = createAuthFailureThrottle({ max: opts.authMaxFailures, windowMs: 60_000 })
  const authenticate =
    opts.tokens.length > 0
      ? tokenAuth(opts.tokens, {
          throttle,
          onFailure: (req, failure) => {
            req.log.warn({ failure, address: req.ip }, 'chat authentication failed')
          },
        })
      : async () => {
          throw new UnauthorizedError('chat is disabled: no CHAT_TOKENS are configured')
        }
  const inFlight = new Map<string, number>()

  app.post(
    '/llm/chat',
    {
      onRequest: authenticate,
      config: {
        rateLimit: {
          max: opts.ratePerMin,
          timeWindow: 60_000,
          // After authentication (preHandler), keyed by the token's name.
          hook: 'preHandler',
          keyGenerator: (req: FastifyRequest) => `chat:${req.principal ?? req.ip}`,
          errorResponseBuilder: (_req: unknown, ctx: { max: number; after: string }) =>
            new TooManyRequestsError(`rate limit of ${ctx.max} chat requests per minute per token exceeded (CHAT_RATE_LIMIT_PER_MIN); retry in ${ctx.after}`),
        },
      },
      schema: {
        tags: ['llm'],
        summary: 'Ad-hoc chat with Lexi; `stream: true` answers text/event-stream',
        body: chatBodySchema(opts.limits, opts.defaults),
        response: { 200: ChatReply },
      },
    },
    async (req, reply) => {
      // After the rate limit (preHandler) and validation: a refused request never holds a slot.
      const who = req.principal as string
      const n = inFlight.get(who) ?? 0
      if (n >= opts.maxStreamsPerToken) {
        throw new TooManyRequestsError(
          `this token already has ${n} chat requests in flight (CHAT_MAX_STREAMS_PER_TOKEN=${opts.maxStreamsPerToken}); wait for one to finish`,
        )
      }
      inFlight.set(who, n + 1)
      // 'close' comes once the reply is over, whether it finished, failed or the client went away.
      reply.raw.once('close', () => {
        const left = (inFlight.get(who) ?? 1) - 1
        if (left > 0) inFlight.set(who, left)
        else inFlight.delete(who)
      })
      const request = buildChatRequest(req.body, opts.prompts, opts.limits, opts.defaults)
      const signal = clientGone(reply)
      const ref = { name: request.ref!.prompt, version: request.ref!.version, hash: request.ref!.hash }
      if (!req.body.stream) {
        const r = await opts.llm.chat(request, { signal, cache: false, priorityClass: 'interactive' })
        return { ...r, prompt: ref }
      }
      // Pull the first chunk before answering: failures before any token keep their HTTP status.
      const it = opts.llm.chatStream(request, { signal, priorityClass: 'interactive' })[Symbol.asyncIterator]()
      const first = await it.next()
      reply.header('cache-control', 'no-cache').header('x-accel-buffering', 'no').type('text/event-stream; charset=utf-8')
      // A stream is sent as is: fastify skips the response schema for it, the type provider does not know that.
      return reply.send(Readable.from(sseFrames(first, it)) as never)
    },
  )
}
