import type { LlmClientInstance, PromptRegistry } from '@pulsetrade/llm'
import type { OutageOptions } from './backlog-pause'

/**
 * The worker's view of a Lexi outage, from the LLM client itself: its circuit breakers say whether
 * Lexi answers, and the probe is one tiny chat call with the `health` prompt through the same client
 * (not a separate fetch): it takes the breaker's half-open slot, so an answer closes the circuit for
 * every caller. No cache, so the answer is Lexi's own.
 */
export function createOutageOptions(o: {
  client: Pick<LlmClientInstance, 'chat' | 'stats'>
  registry: PromptRegistry
  /** FORECAST_OUTAGE_PAUSE */
  pause: boolean
  /** RISK_MAX_PRICE_AGE_MS: a bar older than this (wall clock) is too old to trade. */
  maxPriceAgeMs: number
}): OutageOptions {
  const circuits = (): string[] => o.client.stats().upstreams.map((u) => u.circuit)
  return {
    pause: o.pause,
    maxPriceAgeMs: o.maxPriceAgeMs,
    lexiDown: () => !circuits().includes('closed'),
    mayProbe: () => circuits().some((c) => c !== 'open'),
    probe: async () => {
      const p = o.registry.render('health', {})
      await o.client.chat({ messages: p.messages, sampling: p.sampling, ref: p }, { cache: false })
      return true
    },
  }
}
