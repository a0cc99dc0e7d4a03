import { randomUUID } from 'node:crypto'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { planAnswer, type JsonFault } from './answer-plan'
import type { SimContext } from './context'
import type { Job } from './engine'
import { contextLengthError, emptyError, envelopeError, SimHttpError, unknownModelError, validationError } from './errors'
import { sendError } from './http-io'
import { hash32 } from './prng'
import { createRateGate, type RateGate } from './rate-gate'
import { parseGenerationBody, type GenerationRequest } from './request-body'
import { createStreamSink, createJsonSink } from './job-sinks'
import { countChatTokens, countTextTokens } from './tokenizer'

const newId = (): string => randomUUID().replace(/-/g, '')

function answerSeed(ctx: SimContext, r: GenerationRequest): number {
  let h = hash32(r.prompt ?? '', ctx.opts.seed)
  for (const m of r.messages) h = hash32(m.content, hash32(m.role, h))
  if (r.answer.kind === 'json' && r.answer.schema !== null) h = hash32(JSON.stringify(r.answer.schema), h)
  return r.seed === null ? h : hash32(String(r.seed), h)
}

function jsonFault(ctx: SimContext, r: GenerationRequest): JsonFault | null {
  if (r.answer.kind !== 'json') return null
  const f = ctx.faults()
  if (f.json_fault_match !== null && !(r.messages[0]?.content ?? r.prompt ?? '').includes(f.json_fault_match)) return null
  for (const name of ['invalid_json', 'truncated_json', 'whitespace_runaway'] as const) {
    if (ctx.gates[name].fire(f[name])) {
      ctx.stats.fault(name)
      return name
    }
  }
  return null
}

const wrongNumberGates = new WeakMap<SimContext, Map<number, RateGate>>()

/**
 * The `wrong_number` fault, drawn once per rationale answer from a rate gate per system prompt
 * (per prompt version), so each version evaluated side by side gets the rate exactly.
 */
function wrongNumber(ctx: SimContext, r: GenerationRequest): boolean {
  const key = hash32(r.messages[0]?.content ?? r.prompt ?? '', ctx.opts.seed)
  let gates = wrongNumberGates.get(ctx)
  if (gates === undefined) {
    gates = new Map()
    wrongNumberGates.set(ctx, gates)
  }
  let gate = gates.get(key)
  if (gate === undefined) {
    gate = createRateGate(hash32('wrong_number', key))
    gates.set(key, gate)
  }
  if (!gate.fire(ctx.faults().wrong_number)) return false
  ctx.stats.fault('wrong_number')
  return true
}

/** The `policy_flip` fault, drawn once per seeded policy answer. */
function policyFlip(ctx: SimContext): boolean {
  if (!ctx.gates.policy_flip.fire(ctx.faults().policy_flip)) return false
  ctx.stats.fault('policy_flip')
  return true
}

/** Checks that run before the engine sees the request (serving_chat / serving_completion). */
function preflight(ctx: SimContext, r: GenerationRequest, promptTokens: number): SimHttpError | null {
  const b = ctx.behaviour
  if (r.model !== null && r.model !== ctx.opts.model) return unknownModelError(b, r.model)
  const f = ctx.faults()
  if (f.engine_dead) return emptyError(b.engineDeadStatus)
  if (f.overloaded) return envelopeError(b, 503, 'The server is overloaded; try again later.', 'ServiceUnavailableError')
  const sent = r.route === 'completions' ? (r.maxTokens ?? 16) : r.maxTokens
  const tooLong = contextLengthError(b, ctx.opts.maxModelLen, promptTokens, sent)
  if (tooLong !== null) return tooLong
  const q = ctx.opts.maxQueued
  if (q !== null && ctx.scheduler.running >= ctx.opts.maxNumSeqs && ctx.scheduler.waiting >= q) {
    return envelopeError(b, 503, `The server is at its queue limit (${q} waiting requests).`, 'ServiceUnavailableError')
  }
  return null
}

/** POST /v1/chat/completions and /v1/completions. */
export function handleGeneration(ctx: SimContext, route: 'chat' | 'completions', req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
  const b = ctx.behaviour
  const extra: OutgoingHttpHeaders = {}
  const headerId = req.headers['x-request-id']
  const headerRequestId = typeof headerId === 'string' && headerId !== '' ? headerId : null
  if (ctx.opts.enableRequestIdHeaders) extra['x-request-id'] = headerRequestId ?? newId()
  const reject = (err: SimHttpError): void => {
    ctx.stats.rejected++
    sendError(res, err, extra)
  }
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch (e) {
    reject(
      validationError(
        b,
        `[{'type': 'json_invalid', 'loc': ('body', 0), 'msg': 'JSON decode error', 'input': {}, 'ctx': {'error': '${(e as Error).message.replace(/'/g, '"')}'}}]`,
      ),
    )
    return
  }
  const r = parseGenerationBody(route, body, b)
  if (r instanceof SimHttpError) {
    reject(r)
    return
  }
  if (r.unknownFields.length > 0) {
    ctx.logger.warn(
      { fields: r.unknownFields },
      `The following fields were present in the request but ignored: {${r.unknownFields.map((f) => `'${f}'`).join(', ')}}`,
    )
  }
  const promptTokens =
    route === 'chat'
      ? countChatTokens(r.messages, { addGenerationPrompt: r.addGenerationPrompt, continueFinalMessage: r.continueFinalMessage })
      : (r.promptTokenIds?.length ?? countTextTokens(r.prompt ?? ''))
  const refused = preflight(ctx, r, promptTokens)
  if (refused !== null) {
    reject(refused)
    return
  }
  const room = ctx.opts.maxModelLen - promptTokens
  const budget = Math.min(r.maxTokens ?? (route === 'chat' ? room : 16), room)
  const f = ctx.faults()
  let plan: ReturnType<typeof planAnswer>
  try {
    plan = planAnswer({
      answer: r.answer,
      seed: answerSeed(ctx, r),
      maxTokens: budget,
      stop: r.stop,
      includeStopStrInOutput: r.includeStopStrInOutput,
      ignoreEos: r.ignoreEos,
      healthReply: f.health_reply,
      textTokens: ctx.opts.textTokens,
      jsonFault: jsonFault(ctx, r),
      promptText: r.prompt ?? r.messages.map((m) => m.content).join('\n'),
      wrongNumber: () => wrongNumber(ctx, r),
      ...(r.seed === null ? {} : { seedlessSeed: answerSeed(ctx, { ...r, seed: null }), policyFlip: () => policyFlip(ctx) }),
    })
  } catch (e) {
    // A schema the generator cannot satisfy; vLLM refuses such a grammar with a 400 as well.
    reject(envelopeError(b, 400, `The JSON schema of the structured output could not be compiled: ${(e as Error).message}`))
    return
  }
  let fault: Job['fault'] = null
  if (ctx.gates.reset.fire(f.reset)) fault = { kind: 'reset', atToken: Math.floor(plan.deltas.length / 2) }
  else if (r.stream && ctx.gates.stream_error.fire(f.stream_error)) fault = { kind: 'stream_error', atToken: Math.floor(plan.deltas.length / 2) }

  const base = headerRequestId ?? r.bodyRequestId ?? newId()
  const publicId = `${route === 'chat' ? 'chatcmpl' : 'cmpl'}-${base}`
  // Engine-side checks (AsyncLLM.add_request): a 400 before streaming, an in-band frame after.
  let engineError: SimHttpError | null = null
  let engineId = publicId
  if (ctx.engine.inFlight.has(publicId)) {
    if (b.rejectsDuplicateIds) engineError = envelopeError(b, 400, `Request id ${publicId} already running.`)
    else engineId = `${publicId}-${newId().slice(0, 8)}`
  }
  if (r.priority !== 0 && ctx.opts.schedulingPolicy !== 'priority') {
    engineError = envelopeError(b, 400, `Got priority ${r.priority} but Priority scheduling is not enabled.`)
  }
  const head = { id: publicId, created: Math.floor(Date.now() / 1000), model: ctx.opts.model }
  const sinkArgs = { ctx, route, res, head, plan, promptTokens, request: r, extra }
  const sink = r.stream ? createStreamSink(sinkArgs) : createJsonSink(sinkArgs)
  if (engineError !== null) {
    ctx.stats.rejected++
    sink.refuse(engineError)
    return
  }
  const job: Job = {
    id: engineId,
    priority: r.priority,
    start: () => {},
    promptTokens,
    maxTokens: budget,
    plan,
    stream: r.stream,
    fault,
    sink,
    arrivedAt: performance.now(),
    startedAt: 0,
    firstTokenAt: 0,
    emitted: 0,
    timer: null,
    over: false,
  }
  res.on('close', () => {
    if (!res.writableFinished) ctx.engine.abort(job)
  })
  ctx.engine.submit(job)
}
