import type { AnswerKind } from './answer-plan'
import { envelopeError, type SimHttpError, validationError } from './errors'
import { knownFields } from './known-fields'
import { pydanticFieldError, pydanticValueError } from './py-format'
import type { TemplateMessage } from './tokenizer'
import type { VersionBehaviour } from './versions'

/** A generation request after vLLM's validations, with only what the simulator acts on. */
export interface GenerationRequest {
  route: 'chat' | 'completions'
  model: string | null
  messages: TemplateMessage[]
  prompt: string | null
  promptTokenIds: number[] | null
  stream: boolean
  includeUsage: boolean
  continuousUsage: boolean
  /** max_completion_tokens || max_tokens as sent, or null. */
  maxTokens: number | null
  stop: string[]
  includeStopStrInOutput: boolean
  ignoreEos: boolean
  seed: number | null
  priority: number
  bodyRequestId: string | null
  addGenerationPrompt: boolean
  continueFinalMessage: boolean
  answer: AnswerKind
  unknownFields: string[]
}

type Body = Record<string, unknown>
const HEALTH_PROMPT = /reply with exactly ok/i

function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content
      .map((p) => (p !== null && typeof p === 'object' && typeof (p as Body).text === 'string' ? ((p as Body).text as string) : ''))
      .filter((t) => t !== '')
      .join('\n')
  }
  return ''
}

function asSchema(v: unknown): Record<string, unknown> | null {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v)
    } catch {
      return null
    }
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
}

function chooseAnswer(body: Body, b: VersionBehaviour, messages: TemplateMessage[]): AnswerKind {
  const rf = body.response_format as Body | null | undefined
  if (rf?.type === 'json_schema') {
    const js = rf.json_schema as Body | undefined
    return { kind: 'json', schema: asSchema(js?.schema) ?? {} }
  }
  if (rf?.type === 'json_object') return { kind: 'json', schema: null }
  const so = b.structuredOutputsHonoured ? (body.structured_outputs as Body | null | undefined) : undefined
  if (so != null && typeof so === 'object') {
    if (so.json !== undefined && so.json !== null) return { kind: 'json', schema: asSchema(so.json) ?? {} }
    if (so.json_object === true) return { kind: 'json', schema: null }
    if (Array.isArray(so.choice)) return { kind: 'choice', choices: so.choice.map(String) }
  }
  if (b.guidedHonoured) {
    if (body.guided_json !== undefined && body.guided_json !== null) return { kind: 'json', schema: asSchema(body.guided_json) ?? {} }
    if (Array.isArray(body.guided_choice)) return { kind: 'choice', choices: body.guided_choice.map(String) }
  }
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as TemplateMessage
    if (m.role === 'user') return HEALTH_PROMPT.test(m.content) ? { kind: 'health' } : { kind: 'text' }
  }
  return { kind: 'text' }
}

/** An integer field already type-checked by parseGenerationBody, or null when absent. */
function intField(body: Body, key: string): number | null {
  const v = body[key]
  return typeof v === 'number' && Number.isInteger(v) ? v : null
}

/** Parses and validates a /v1/chat/completions or /v1/completions body the way vLLM does. */
export function parseGenerationBody(route: 'chat' | 'completions', raw: unknown, b: VersionBehaviour): GenerationRequest | SimHttpError {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return validationError(b, pydanticFieldError('model_attributes_type', [], 'Input should be a valid dictionary or object to extract fields from', raw))
  }
  const body = raw as Body
  const known = knownFields(route, { guided: b.guidedHonoured, structuredOutputs: b.structuredOutputsHonoured })
  const unknown = Object.keys(body).filter((k) => !known.has(k))
  if (unknown.length > 0 && b.unknownFields === 'reject') {
    const k = unknown[0] as string
    return validationError(b, pydanticFieldError('extra_forbidden', [k], 'Extra inputs are not permitted', body[k]))
  }
  const field = route === 'chat' ? 'messages' : 'prompt'
  if (body[field] === undefined) return validationError(b, pydanticFieldError('missing', [field], 'Field required', body))
  if (route === 'chat' && !Array.isArray(body.messages))
    return validationError(b, pydanticFieldError('list_type', ['messages'], 'Input should be a valid list', body.messages))
  for (const key of ['max_tokens', 'max_completion_tokens', 'priority', 'seed', 'n'] as const) {
    const v = body[key]
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v))) {
      return validationError(b, pydanticFieldError('int_type', [key], 'Input should be a valid integer', v))
    }
  }
  if (body.stream_options != null && body.stream !== true)
    return validationError(b, pydanticValueError('Stream options can only be defined when `stream=True`.', body))
  if (typeof body.top_logprobs === 'number' && body.top_logprobs > 0 && body.logprobs !== true) {
    return validationError(b, pydanticValueError('when using `top_logprobs`, `logprobs` must be set to true.', body))
  }
  if (body.continue_final_message === true && body.add_generation_prompt === true) {
    return validationError(b, pydanticValueError('Cannot set both `continue_final_message` and `add_generation_prompt` to True.', body))
  }
  if (b.guidedHonoured && ['guided_json', 'guided_regex', 'guided_choice'].filter((k) => body[k] != null).length > 1) {
    return validationError(b, pydanticValueError("You can only use one kind of guided decoding ('guided_json', 'guided_regex' or 'guided_choice').", body))
  }
  if (route === 'chat' && body.tool_choice === 'auto') {
    return envelopeError(b, 400, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set')
  }
  const maxTokens = intField(body, 'max_completion_tokens') || intField(body, 'max_tokens')
  if (maxTokens !== null && maxTokens < 1) return envelopeError(b, 400, `max_tokens must be at least 1, got ${maxTokens}.`)
  const n = intField(body, 'n')
  if (n !== null && n !== 1) return envelopeError(b, 400, 'lexi-sim simulates n=1 only.')
  const messages: TemplateMessage[] =
    route === 'chat'
      ? (body.messages as unknown[]).map((m) => ({ role: String((m as Body | null)?.role ?? 'user'), content: contentText((m as Body | null)?.content) }))
      : []
  let prompt: string | null = null
  let promptTokenIds: number[] | null = null
  if (route === 'completions') {
    const p = body.prompt
    if (typeof p === 'string') prompt = p
    else if (Array.isArray(p) && p.length === 1 && typeof p[0] === 'string') prompt = p[0]
    else if (Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'number')) promptTokenIds = p as number[]
    else return envelopeError(b, 400, 'lexi-sim simulates a single prompt (a string or one list of token ids) per request.')
  }
  const so = body.stream_options as Body | null | undefined
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s): s is string => typeof s === 'string') : []
  return {
    route,
    model: typeof body.model === 'string' && body.model !== '' ? body.model : null,
    messages,
    prompt,
    promptTokenIds,
    stream: body.stream === true,
    includeUsage: so != null && so.include_usage !== false,
    continuousUsage: so?.continuous_usage_stats === true,
    maxTokens,
    stop,
    includeStopStrInOutput: body.include_stop_str_in_output === true,
    ignoreEos: body.ignore_eos === true,
    seed: intField(body, 'seed'),
    priority: intField(body, 'priority') ?? 0,
    bodyRequestId: typeof body.request_id === 'string' ? body.request_id : null,
    addGenerationPrompt: body.add_generation_prompt !== false,
    continueFinalMessage: body.continue_final_message === true,
    answer: chooseAnswer(body, b, route === 'chat' ? messages : [{ role: 'user', content: prompt ?? '' }]),
    unknownFields: unknown,
  }
}
