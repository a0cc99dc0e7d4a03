import type { Prng } from './prng'

/** Latency knobs (defaults in options.ts; documented in docs/lexi-sim.md). */
export interface LatencyKnobs {
  prefillTokensPerSec: number
  itlBaseMs: number
  itlPerSeqMs: number
  jitterSigma: number
  structuredFirstSchemaPenaltyMs: number
  structuredPerTokenOverheadPct: number
  timeScale: number
  /** When set, a request takes exactly this long once running (tokens evenly spaced); slow still multiplies it. */
  fixedLatencyMs: number | null
}

/**
 * queue wait (from the scheduler) + prefill (prompt / rate, plus grammar compilation the first
 * time a schema is seen) + decode (itl(b) = base + perSeq·b per token, b = running batch),
 * each multiplied by lognormal jitter, the `slow` fault and timeScale.
 */
export function createLatencyModel(k: LatencyKnobs, prng: Prng) {
  const seenSchemas = new Set<string>()
  return {
    prefillMs(promptTokens: number, schemaKey: string | null, slow: number): number {
      const scale = k.timeScale * slow
      if (scale === 0) return 0
      let ms = (promptTokens / k.prefillTokensPerSec) * 1000
      if (schemaKey !== null && !seenSchemas.has(schemaKey)) {
        seenSchemas.add(schemaKey)
        ms += k.structuredFirstSchemaPenaltyMs
      }
      return ms * prng.lognormal(k.jitterSigma) * scale
    },
    itlMs(running: number, structured: boolean, slow: number): number {
      const scale = k.timeScale * slow
      if (scale === 0) return 0
      const base = k.itlBaseMs + k.itlPerSeqMs * running
      const overhead = structured ? 1 + k.structuredPerTokenOverheadPct / 100 : 1
      return base * overhead * prng.lognormal(k.jitterSigma) * scale
    },
  }
}
export type LatencyModel = ReturnType<typeof createLatencyModel>
