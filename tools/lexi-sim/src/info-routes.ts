import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { SimContext } from './context'
import { emptyError, SimHttpError, unknownModelError, validationError } from './errors'
import { JSON_TYPE, sendBody, sendError } from './http-io'
import { pydanticFieldError } from './py-format'
import { chatTemplatePieces, pieceForId, tokenId, tokenizeText } from './tokenizer'

type Body = Record<string, unknown>

export function handleModels(ctx: SimContext, res: ServerResponse): void {
  const created = Math.floor(Date.now() / 1000)
  const card = {
    id: ctx.opts.model,
    object: 'model',
    created,
    owned_by: 'vllm',
    root: ctx.opts.root,
    parent: null,
    max_model_len: ctx.opts.maxModelLen,
    permission: [
      {
        id: `modelperm-${randomUUID().replace(/-/g, '')}`,
        object: 'model_permission',
        created,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: '*',
        group: null,
        is_blocking: false,
      },
    ],
  }
  sendBody(res, 200, JSON.stringify({ object: 'list', data: [card] }), JSON_TYPE)
}

/** /health and /ping: empty 200; empty 500 (503 from 0.11) once the engine is dead; 200 while wedged. */
export function handleHealth(ctx: SimContext, res: ServerResponse): void {
  if (ctx.faults().engine_dead) {
    sendError(res, emptyError(ctx.behaviour.engineDeadStatus))
    return
  }
  sendBody(res, 200, '', null)
}

export function handleVersion(ctx: SimContext, res: ServerResponse): void {
  sendBody(res, 200, JSON.stringify({ version: ctx.behaviour.version, simulator: 'lexi-sim' }), JSON_TYPE)
}

export function handleLoad(ctx: SimContext, res: ServerResponse): void {
  sendBody(res, 200, JSON.stringify({ server_load: ctx.scheduler.running + ctx.scheduler.waiting }), JSON_TYPE)
}

export async function handleMetrics(ctx: SimContext, res: ServerResponse): Promise<void> {
  const text = await ctx.metrics.registry.metrics()
  sendBody(res, 200, text, ctx.metrics.registry.contentType)
}

function parseObject(ctx: SimContext, raw: Buffer): Body | SimHttpError {
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'))
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Body
    return validationError(
      ctx.behaviour,
      pydanticFieldError('model_attributes_type', [], 'Input should be a valid dictionary or object to extract fields from', v),
    )
  } catch {
    return validationError(ctx.behaviour, "[{'type': 'json_invalid', 'loc': ('body', 0), 'msg': 'JSON decode error', 'input': {}}]")
  }
}

/** POST /tokenize: the same tokenizer and chat template that usage and the context checks use. */
export function handleTokenize(ctx: SimContext, res: ServerResponse, raw: Buffer): void {
  const body = parseObject(ctx, raw)
  if (body instanceof SimHttpError) {
    sendError(res, body)
    return
  }
  if (typeof body.model === 'string' && body.model !== '' && body.model !== ctx.opts.model) {
    sendError(res, unknownModelError(ctx.behaviour, body.model))
    return
  }
  let pieces: string[]
  if (Array.isArray(body.messages)) {
    const messages = body.messages.map((m) => {
      const c = (m as Body | null)?.content
      const content = typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => String((p as Body | null)?.text ?? '')).join('\n') : ''
      return { role: String((m as Body | null)?.role ?? 'user'), content }
    })
    pieces = chatTemplatePieces(messages, {
      addGenerationPrompt: body.add_generation_prompt !== false,
      continueFinalMessage: body.continue_final_message === true,
    })
  } else if (typeof body.prompt === 'string') {
    pieces = tokenizeText(body.prompt)
  } else {
    sendError(res, validationError(ctx.behaviour, pydanticFieldError('missing', ['prompt'], 'Field required', body)))
    return
  }
  const out = {
    count: pieces.length,
    max_model_len: ctx.opts.maxModelLen,
    tokens: pieces.map(tokenId),
    token_strs: body.return_token_strs === true ? pieces : null,
  }
  sendBody(res, 200, JSON.stringify(out), JSON_TYPE)
}

/** POST /detokenize: maps back ids this process handed out (and the ChatML specials). */
export function handleDetokenize(ctx: SimContext, res: ServerResponse, raw: Buffer): void {
  const body = parseObject(ctx, raw)
  if (body instanceof SimHttpError) {
    sendError(res, body)
    return
  }
  if (!Array.isArray(body.tokens)) {
    sendError(res, validationError(ctx.behaviour, pydanticFieldError('missing', ['tokens'], 'Field required', body)))
    return
  }
  const prompt = body.tokens.map((id) => (typeof id === 'number' ? (pieceForId(id) ?? '') : '')).join('')
  sendBody(res, 200, JSON.stringify({ prompt }), JSON_TYPE)
}
