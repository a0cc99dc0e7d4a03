import { corruptJson, isPolicySchema, jsonAnswer, policyAnswer, schemaKeyOf } from './json-answer'
import { createPrng } from './prng'
import { forecastData, isRationaleSchema, rationaleAnswer } from './rationale-answer'
import { textAnswerPieces } from './text-answer'
import { tokenizeText } from './tokenizer'

export type AnswerKind =
  { kind: 'health' } | { kind: 'json'; schema: Record<string, unknown> | null } | { kind: 'choice'; choices: string[] } | { kind: 'text' }

export type JsonFault = 'invalid_json' | 'truncated_json' | 'whitespace_runaway'

export interface PlanInput {
  answer: AnswerKind
  seed: number
  /** Effective token budget: min(max_completion_tokens || max_tokens, max_model_len - prompt). */
  maxTokens: number
  stop: string[]
  includeStopStrInOutput: boolean
  ignoreEos: boolean
  healthReply: string | null
  textTokens: readonly [number, number]
  jsonFault: JsonFault | null
  /** The prompt's text (every message); a rationale request quotes its forecast data from it. */
  promptText?: string
  /** Asked once per rationale answer: true when it should cite a wrong number (the `wrong_number` fault). */
  wrongNumber?: () => boolean
  /**
   * Set for a request that carries a seed: the answer seed of the same request without it. A policy
   * answer then keeps that seedless decision unless `policyFlip()` (the `policy_flip` fault) says flip.
   */
  seedlessSeed?: number
  policyFlip?: () => boolean
}

export interface AnswerPlan {
  /** Text of each generated token, in order; completion_tokens = deltas.length (EOS included, as ""). */
  deltas: string[]
  finishReason: 'stop' | 'length'
  stopReason: string | null
  text: string
  /** Schema hash of a structured answer (grammar-compilation penalty is paid once per key). */
  schemaKey: string | null
}

const RUNAWAY_PIECE = '\n\n\n\n'

function natural(input: PlanInput): { pieces: string[]; eos: boolean; forceLength: boolean; schemaKey: string | null } {
  const { answer, seed } = input
  const prng = createPrng(seed ^ 0x5eed)
  if (answer.kind === 'health') return { pieces: tokenizeText(input.healthReply ?? 'OK'), eos: true, forceLength: false, schemaKey: null }
  if (answer.kind === 'choice') {
    const pick = answer.choices[seed % Math.max(1, answer.choices.length)] ?? ''
    return { pieces: tokenizeText(pick), eos: true, forceLength: false, schemaKey: null }
  }
  if (answer.kind === 'text') {
    const n = input.ignoreEos ? input.maxTokens : prng.int(input.textTokens[0], input.textTokens[1])
    return { pieces: textAnswerPieces(seed, n), eos: !input.ignoreEos, forceLength: false, schemaKey: null }
  }
  const data = answer.schema !== null && input.promptText !== undefined && isRationaleSchema(answer.schema) ? forecastData(input.promptText) : null
  const ans =
    data !== null && answer.schema !== null
      ? { text: rationaleAnswer(data, seed, input.wrongNumber?.() ?? false), schemaKey: schemaKeyOf(JSON.stringify(answer.schema)) }
      : answer.schema !== null
        ? input.seedlessSeed !== undefined && isPolicySchema(answer.schema)
          ? policyAnswer(answer.schema, seed, input.seedlessSeed, input.policyFlip?.() ?? false)
          : jsonAnswer(answer.schema, seed)
        : { text: JSON.stringify({ answer: textAnswerPieces(seed, 12).join('').trim() }), schemaKey: 'json_object' }
  const all = tokenizeText(ans.text)
  switch (input.jsonFault) {
    case 'invalid_json':
      return { pieces: tokenizeText(corruptJson(ans.text, seed)), eos: true, forceLength: false, schemaKey: ans.schemaKey }
    case 'truncated_json': {
      const k = Math.min(all.length - 1, Math.max(1, Math.floor(all.length * (0.3 + 0.5 * prng.next()))))
      return { pieces: all.slice(0, k), eos: false, forceLength: true, schemaKey: ans.schemaKey }
    }
    case 'whitespace_runaway': {
      const prefix = all.slice(0, Math.max(1, Math.floor(all.length * 0.4)))
      const fill = Math.max(0, input.maxTokens - prefix.length)
      return { pieces: prefix.concat(new Array<string>(fill).fill(RUNAWAY_PIECE)), eos: false, forceLength: true, schemaKey: ans.schemaKey }
    }
    default:
      return { pieces: all, eos: true, forceLength: false, schemaKey: ans.schemaKey }
  }
}

function applyStop(pieces: string[], input: PlanInput): { deltas: string[]; stop: string } | null {
  const text = pieces.join('')
  let best: { start: number; end: number; stop: string } | null = null
  for (const s of input.stop) {
    if (s === '') continue
    const start = text.indexOf(s)
    if (start >= 0 && (best === null || start + s.length < best.end)) best = { start, end: start + s.length, stop: s }
  }
  if (best === null) return null
  // The stop string is detected after the token that completes it.
  let count = 0
  let consumed = 0
  while (consumed < best.end) consumed += (pieces[count++] as string).length
  if (count > input.maxTokens) return null
  const keep = input.includeStopStrInOutput ? best.end : best.start
  const deltas: string[] = []
  let used = 0
  for (let i = 0; i < count; i++) {
    const p = pieces[i] as string
    const room = Math.max(0, keep - used)
    deltas.push(p.length <= room ? p : p.slice(0, room))
    used += Math.min(p.length, room)
  }
  return { deltas, stop: best.stop }
}

const textPlans = new Map<string, AnswerPlan>()
const TEXT_PLANS_MAX = 2048

/** What the model "generates" for a request: every token, why it stopped, and the text. */
export function planAnswer(input: PlanInput): AnswerPlan {
  if (input.answer.kind !== 'text' || input.stop.length > 0) return plan(input)
  // Plain-text plans depend only on these; the hot path of repeated requests skips rebuilding them.
  const key = `${input.seed}:${input.maxTokens}:${input.ignoreEos}:${input.textTokens[0]}:${input.textTokens[1]}`
  let p = textPlans.get(key)
  if (p === undefined) {
    p = plan(input)
    if (textPlans.size >= TEXT_PLANS_MAX) textPlans.clear()
    textPlans.set(key, p)
  }
  return p
}

function plan(input: PlanInput): AnswerPlan {
  const { pieces, eos, forceLength, schemaKey } = natural(input)
  const budget = input.maxTokens
  const stopped = input.stop.length > 0 ? applyStop(pieces, input) : null
  if (stopped !== null) return { deltas: stopped.deltas, finishReason: 'stop', stopReason: stopped.stop, text: stopped.deltas.join(''), schemaKey }
  let deltas: string[]
  let finishReason: 'stop' | 'length'
  if (forceLength || !eos || pieces.length >= budget) {
    deltas = pieces.length > budget ? pieces.slice(0, budget) : pieces
    finishReason = 'length'
  } else {
    deltas = [...pieces, '']
    finishReason = 'stop'
  }
  return { deltas, finishReason, stopReason: null, text: deltas.join(''), schemaKey }
}
