import type { LlmResult, PolicyDecision, PolicySamples } from '../contract'

/**
 * Self-consistent policy (LLM_POLICY_SAMPLES=k, docs/decisions.md): the policy prompt is asked k
 * times with distinct seeds and the answers are combined conservatively. Lexi (vLLM) would take
 * `n`, but lexi-sim serves n=1 only and vLLM's `n` shares one seed across its choices, so the k
 * samples are k parallel requests with seeds base+0 .. base+k-1 (base = the caller's, or 0).
 */

/** A bad k (LLM_POLICY_SAMPLES) or no result to combine: a configuration or caller error. */
export class PolicySamplesError extends Error {
  readonly code = 'LLM_ERR_POLICY_SAMPLES'
  constructor(message: string) {
    super(message)
    this.name = 'PolicySamplesError'
  }
}

export type PolicyResult = LlmResult<PolicyDecision>
export type SampledPolicyResult = PolicyResult & { samples?: PolicySamples }

/**
 * Pure: k policy results → one. Any deny → deny; size_factor = the minimum over the parsed
 * samples. The result carried is the sample that set the decision (the first deny, else the
 * smallest size_factor), with the combined size_factor, usage summed over every sample and the
 * slowest latency. A failed sample counts as no answer (decision null): it never allows, and it
 * lowers the agreement. When no sample parsed, the first failure is returned (the gate reads its
 * fail_reason as it would with k = 1). agreement = share of the k samples whose decision equals
 * the combined one.
 */
export function combinePolicySamples(results: readonly PolicyResult[]): SampledPolicyResult {
  const first = results[0]
  if (first === undefined) throw new PolicySamplesError('combinePolicySamples needs at least one result')
  const decisions = results.map((r) => (r.parsed === null ? null : r.parsed.decision))
  const usage = {
    prompt_tokens: results.reduce((s, r) => s + r.usage.prompt_tokens, 0),
    completion_tokens: results.reduce((s, r) => s + r.usage.completion_tokens, 0),
  }
  const latency = Math.max(...results.map((r) => r.latency_ms))
  const parsed = results.filter((r): r is PolicyResult & { parsed: PolicyDecision } => r.parsed !== null)
  const deny = parsed.find((r) => r.parsed.decision === 'deny')
  const smallest = parsed.reduce<(typeof parsed)[number] | undefined>(
    (m, r) => (m === undefined || r.parsed.size_factor < m.parsed.size_factor ? r : m),
    undefined,
  )
  const chosen = deny ?? smallest
  const combined = chosen === undefined ? null : deny !== undefined ? 'deny' : 'allow'
  const agreement = combined === null ? 0 : decisions.filter((d) => d === combined).length / results.length
  const samples: PolicySamples = { k: results.length, agreement, decisions, ...usage }
  if (chosen === undefined) return { ...first, usage, latency_ms: latency, samples }
  return {
    ...chosen,
    parsed: { ...chosen.parsed, size_factor: smallest?.parsed.size_factor ?? chosen.parsed.size_factor },
    usage,
    latency_ms: latency,
    samples,
  }
}

/**
 * Asks `call(seed)` for seeds base..base+k-1 concurrently and combines them. k = 1 is one call
 * `call(undefined)` (the version's own sampling), returned untouched: no `samples` field.
 */
export async function samplePolicy(
  k: number,
  baseSeed: number | undefined,
  call: (seed: number | undefined) => Promise<PolicyResult>,
): Promise<SampledPolicyResult> {
  if (!Number.isInteger(k) || k < 1) throw new PolicySamplesError(`LLM_POLICY_SAMPLES must be an integer >= 1, got ${k}`)
  if (k === 1) return await call(undefined)
  const base = baseSeed ?? 0
  const results = await Promise.all(Array.from({ length: k }, (_, i) => call(base + i)))
  return combinePolicySamples(results)
}
