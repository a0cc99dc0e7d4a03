import type { LlmClient, PromptRegistry } from '@pulsetrade/llm'

/** One probe of Lexi through the `health` prompt. */
export interface HealthSnapshot {
  ok: boolean
  model: string
  latency_ms: number
  /** Epoch ms of the end of the probe. */
  checked_at: number
  error: string | null
}

export interface HealthProbeOptions {
  llm: Pick<LlmClient, 'health'>
  prompts: Pick<PromptRegistry, 'render'>
  model: string
  /** How long a successful probe is reused. */
  ttlMs: number
  /** How long a failed probe is reused (shorter, so recovery shows quickly). */
  failTtlMs: number
  timeoutMs: number
  now?: () => number
}

export interface HealthProbe {
  check: () => Promise<{ snapshot: HealthSnapshot, cached: boolean }>
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err)) || 'unknown error'

/**
 * Cached, single-flight health probe: within the TTL callers get the last snapshot (cached:true);
 * otherwise every concurrent caller awaits the same upstream request.
 */
export function createHealthProbe (opts: HealthProbeOptions): HealthProbe {
  const now = opts.now ?? Date.now
  let last: HealthSnapshot | null = null
  let inflight: Promise<HealthSnapshot> | null = null

  async function probe (): Promise<HealthSnapshot> {
    const started = now()
    try {
      const r = await opts.llm.health(opts.prompts.render('health', {}), { timeoutMs: opts.timeoutMs })
      const error = r.ok ? null : (r.error ?? `reply was ${JSON.stringify(r.reply ?? '')}`)
      return { ok: r.ok, model: r.model || opts.model, latency_ms: Math.round(r.latency_ms), checked_at: now(), error }
    } catch (err) {
      // health() reports failures in its result; a throw here is a bug or a render error.
      return { ok: false, model: opts.model, latency_ms: now() - started, checked_at: now(), error: describe(err) }
    }
  }

  return {
    async check () {
      if (last !== null && now() - last.checked_at < (last.ok ? opts.ttlMs : opts.failTtlMs)) return { snapshot: last, cached: true }
      inflight ??= probe().then((s) => { last = s; return s }).finally(() => { inflight = null })
      return { snapshot: await inflight, cached: false }
    },
  }
}
