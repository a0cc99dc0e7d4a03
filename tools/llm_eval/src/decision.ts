import type { LlmInputs, PolicyDecision, Rationale } from '@pulsetrade/llm'
import type { EvalPromptName } from './eval-targets'

/**
 * A rationale counts as confident when its confidence is at least this. Its direction is the
 * forecast's (p_up above or below 0.5), so the rationale "decides" confident_up, confident_down or
 * unsure; outcome metrics compare confident_up against everything else.
 */
export const DEFAULT_CONFIDENT_MIN = 0.6

export type RationaleDecision = 'confident_up' | 'confident_down' | 'unsure'
export type PolicyDecisionValue = PolicyDecision['decision']
export type Decision = RationaleDecision | PolicyDecisionValue

/** Every decision a prompt can produce, in display order. */
export const DECISIONS: Record<EvalPromptName, readonly Decision[]> = {
  rationale: ['confident_up', 'confident_down', 'unsure'],
  policy: ['allow', 'deny'],
}

/** The parsed answer's decision, or null when there is no valid answer. */
export function decisionOf(prompt: EvalPromptName, parsed: unknown, inputs: LlmInputs, confidentMin = DEFAULT_CONFIDENT_MIN): Decision | null {
  if (parsed === null || parsed === undefined) return null
  if (prompt === 'policy') return (parsed as PolicyDecision).decision
  const { confidence } = parsed as Rationale
  const pUp = inputs.forecast.p_up
  if (confidence < confidentMin || pUp === 0.5) return 'unsure'
  return pUp > 0.5 ? 'confident_up' : 'confident_down'
}
