/**
 * Priority classes of calls on the shared Lexi (design section 11). Every call carries one: the
 * client orders its own wait queue by class, caps some classes per process, and (when configured)
 * sends vLLM's `priority` request field, where a lower value is served first.
 */
export const PRIORITY_CLASSES = ['health', 'trading', 'forecast', 'interactive', 'batch'] as const
export type LlmPriorityClass = (typeof PRIORITY_CLASSES)[number]

/** The class of a call that names none: the lowest, so an unlabelled call never jumps the queue. */
export const DEFAULT_PRIORITY_CLASS: LlmPriorityClass = 'batch'

/**
 * vLLM `priority` per class (lower first; requests without the field count as 0). Trading and the
 * health probe share the lowest value; everything else comes after them in Lexi's waiting queue.
 */
export const VLLM_PRIORITY: Readonly<Record<LlmPriorityClass, number>> = {
  health: 0,
  trading: 0,
  forecast: 1,
  interactive: 2,
  batch: 3,
}

/** Queue order inside one process: a freed slot goes to the first class in this list that can take it. */
export const CLASS_ORDER: Readonly<Record<LlmPriorityClass, number>> = {
  health: 0,
  trading: 1,
  forecast: 2,
  interactive: 3,
  batch: 4,
}

export const isPriorityClass = (v: unknown): v is LlmPriorityClass => typeof v === 'string' && (PRIORITY_CLASSES as readonly string[]).includes(v)
