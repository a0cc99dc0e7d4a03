import { failReasonOf, toLlmError, type FailReason } from '@pulsetrade/llm'

export interface UpstreamProbeOptions {
  baseUrls: string[]
  apiKey?: string
  /** Deadline of one probe. @default 1000 */
  timeoutMs?: number
  /** A diagnosis is reused this long (all rows failing in the same second share one probe). @default 1000 */
  ttlMs?: number
}

/** Why Lexi is not answering right now, or 'circuit_open' when it answers again (the breaker has not half-opened yet). */
export type UpstreamDiagnosis = Exclude<FailReason, 'invalid_json' | 'queue_full' | 'context_length'>

/**
 * The client's circuit-open error (LLM_ERR_CIRCUIT_OPEN) names the failures that opened the circuit,
 * and the enricher records that cause. For an error that names none, this probe says why Lexi fails:
 * it asks GET {base}/models once per ttl (single flight) and maps the outcome with the client's own
 * error mapping: connection refused or reset → unreachable, deadline → timeout, 5xx →
 * upstream_error; a 2xx means Lexi answers (or is wedged: /models does not need the engine), so
 * `circuit_open` stays.
 */
export function createUpstreamProbe (o: UpstreamProbeOptions): () => Promise<UpstreamDiagnosis> {
  const timeoutMs = o.timeoutMs ?? 1000
  const ttlMs = o.ttlMs ?? 1000
  let last: { at: number, value: UpstreamDiagnosis } | null = null
  let inflight: Promise<UpstreamDiagnosis> | null = null

  async function probeOne (base: string): Promise<UpstreamDiagnosis> {
    try {
      const res = await fetch(`${base.replace(/\/+$/, '')}/models`, {
        headers: o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {},
        signal: AbortSignal.timeout(timeoutMs),
      })
      const body = await res.text()
      if (res.ok) return 'circuit_open'
      return narrow(failReasonOf(toLlmError({ status: res.status, body }).code))
    } catch (err) {
      if ((err as Error)?.name === 'TimeoutError') return 'timeout'
      return narrow(failReasonOf(toLlmError({ error: err, timeoutMs }).code))
    }
  }

  return async () => {
    if (last && Date.now() - last.at < ttlMs) return last.value
    inflight ??= Promise.all(o.baseUrls.map(probeOne)).then((all) => {
      // Any replica answering means the failure is the breaker's cool-down, not Lexi.
      const value = all.includes('circuit_open') ? 'circuit_open' : all[0] ?? 'unreachable'
      last = { at: Date.now(), value }
      return value
    }).finally(() => { inflight = null })
    return inflight
  }
}

const narrow = (r: FailReason): UpstreamDiagnosis =>
  r === 'invalid_json' || r === 'queue_full' || r === 'context_length' ? 'upstream_error' : r
