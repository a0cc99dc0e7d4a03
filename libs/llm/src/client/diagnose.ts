import { randomUUID } from 'node:crypto'
import { failReasonOf, type FailReason } from './error-table'
import { LlmTimeoutError } from './errors'
import { signalHook } from './abort-hook'
import { toLlmError } from './to-llm-error'
import type { Upstream } from './upstream'

export interface DiagnoseOptions {
  /** Deadline of one probe. @default 1000 */
  timeoutMs?: number
  /** A diagnosis is reused this long (every caller failing in the same second shares one). @default 1000 */
  ttlMs?: number
  now: () => number
}

/** Why the upstreams fail right now, or `circuit_open` when one answers (only the breaker's cool-down stands). */
export type Diagnosis = FailReason

/**
 * Asks each upstream GET /models once per ttl (single flight), over the client's own pools and
 * error mapping, outside the breakers and slots: a refused or reset connection reads `unreachable`,
 * the deadline `timeout`, a 5xx `upstream_error`. A 2xx means that upstream answers (or is wedged:
 * /models does not need the engine), so `circuit_open` stays. For a circuit-open error whose cause
 * is unknown (no opening recorded, e.g. a result built outside the client).
 */
export function createDiagnose(upstreams: readonly Upstream[], o: DiagnoseOptions): () => Promise<Diagnosis> {
  const timeoutMs = o.timeoutMs ?? 1000
  const ttlMs = o.ttlMs ?? 1000
  let last: { at: number; value: Diagnosis } | null = null
  let inflight: Promise<Diagnosis> | null = null

  async function probeOne(u: Upstream): Promise<Diagnosis> {
    const ctl = new AbortController()
    const timer = setTimeout(() => {
      ctl.abort(new LlmTimeoutError(timeoutMs, 'request'))
    }, timeoutMs)
    try {
      await u.listModels({ abort: signalHook(ctl.signal), requestId: randomUUID() })
      return 'circuit_open'
    } catch (err) {
      return failReasonOf(toLlmError({ error: err, abortReason: ctl.signal.aborted ? ctl.signal.reason : undefined, timeoutMs }))
    } finally {
      clearTimeout(timer)
    }
  }

  return async () => {
    if (last && o.now() - last.at < ttlMs) return last.value
    inflight ??= Promise.all(upstreams.map(probeOne))
      .then((all) => {
        // Any replica answering means the failure is the breaker's cool-down, not Lexi.
        const value = all.includes('circuit_open') ? 'circuit_open' : (all[0] ?? 'unreachable')
        last = { at: o.now(), value }
        return value
      })
      .finally(() => {
        inflight = null
      })
    return inflight
  }
}
