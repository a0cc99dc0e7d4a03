import type { Db } from '@pulsetrade/db'
import { FeaturesLlmSchema, type FeaturesLlm } from '@pulsetrade/llm'
import type { Logger } from 'pino'
import { FeaturesContractError } from '../errors'
import { outageOf } from './backlog-pause'
import type { EnrichForecast } from './enrich-forecast'
import type { ForecastMetrics } from './forecast-metrics'
import { createReenrichRepo, type ClaimedReenrich } from './reenrich-repo'

export interface ReenricherOptions {
  db: Db
  enrich: EnrichForecast
  logger: Logger
  metrics: ForecastMetrics
  /** Rows asked at once (two LLM calls each). */
  concurrency: number
  leaseMs: number
  /** A row Lexi still did not answer for is tried again after this. */
  retryMs: number
  /** Tries per row before it is left marked but no longer claimed (`forecast re-enrich` resets them). */
  maxAttempts: number
  now?: () => Date
}

export interface ReenrichSummary {
  filled: number
  retry: number
  skipped: number
  gaveUp: number
  outage: string | null
}

type Outcome = 'filled' | 'retry' | 'gave_up' | 'skipped'

/**
 * Fills in features.llm of rows that were written without Lexi's answer (marked in forecast_jobs):
 * asks the rationale and policy again from the stored inputs (the same prompts, arms and cache),
 * keeps what had an answer, and stores the result with `late: {at, trigger, original}` holding the
 * failed results. It never places an order: the row's order was decided when it was written.
 */
export function createReenricher(o: ReenricherOptions) {
  const log = o.logger.child({ component: 're-enrich' })
  const repo = createReenrichRepo(o.db, { leaseMs: o.leaseMs })
  const now = o.now ?? (() => new Date())

  /**
   * The late features.llm for a stored one and a fresh answer: only what failed is replaced. The
   * policy's gate fields (`mode`, `gate_disabled`, `effective`, `would`, `fail_reason`) stay those
   * of the decision made when the row was written: they say what happened to the order, and a late
   * answer changes nothing there. The late decision itself is `policy.parsed`.
   */
  function lateFeatures(stored: FeaturesLlm, fresh: FeaturesLlm, trigger: 'outage' | 'manual'): FeaturesLlm {
    const { mode, gate_disabled, effective, would, fail_reason } = stored.policy
    const late = {
      ...stored,
      rationale: stored.rationale.ok ? stored.rationale : fresh.rationale,
      policy: stored.policy.ok ? stored.policy : { ...fresh.policy, mode, gate_disabled, effective, would, fail_reason },
      late: { at: now().toISOString(), trigger, original: { rationale: stored.rationale, policy: stored.policy } },
    }
    const checked = FeaturesLlmSchema.safeParse(late)
    if (!checked.success) {
      const issue = checked.error.issues[0]
      throw new FeaturesContractError(`late features.llm fails the contract at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`)
    }
    return checked.data
  }

  async function one(c: ClaimedReenrich): Promise<{ outcome: Outcome; outage: string | null }> {
    const stored = c.llm
    if (c.id == null || stored == null || stored.late != null || (stored.rationale.ok && stored.policy.ok)) {
      await repo.clear(c)
      return { outcome: 'skipped', outage: null }
    }
    try {
      const fresh = await o.enrich(stored.inputs)
      const outage = (stored.policy.ok ? null : outageOf(fresh.policy)) ?? (stored.rationale.ok ? null : outageOf(fresh.rationale))
      if (outage != null) {
        await repo.retry(c, `Lexi did not answer: ${outage}`, o.retryMs)
        return { outcome: c.reenrich_attempts >= o.maxAttempts ? 'gave_up' : 'retry', outage }
      }
      const filled = await repo.store(c, c.id, lateFeatures(stored, fresh, c.reenrich === 'manual' ? 'manual' : 'outage'))
      return { outcome: filled ? 'filled' : 'skipped', outage: null }
    } catch (err) {
      log.error({ err, symbol: c.symbol, asof: c.asof }, 're-enrichment of a row failed; it is tried again later')
      await repo.retry(c, (err as Error)?.message ?? String(err), o.retryMs).catch(() => {})
      return { outcome: c.reenrich_attempts >= o.maxAttempts ? 'gave_up' : 'retry', outage: null }
    }
  }

  /**
   * Works through the marked rows, `concurrency` at a time, until none is claimable, `shouldStop`
   * says so, or Lexi stops answering (`outage` in the summary: the caller pauses).
   */
  async function drain(p: { shouldStop?: () => boolean; onBatch?: (s: ReenrichSummary) => void } = {}): Promise<ReenrichSummary> {
    const sum: ReenrichSummary = { filled: 0, retry: 0, skipped: 0, gaveUp: 0, outage: null }
    let lastLog = Date.now()
    while (!(p.shouldStop?.() ?? false)) {
      const claimed = await repo.claim(o.concurrency, o.maxAttempts)
      if (claimed.length === 0) break
      const results = await Promise.all(claimed.map(one))
      for (const r of results) {
        o.metrics.reenrich.inc({ outcome: r.outcome })
        if (r.outcome === 'filled') sum.filled++
        else if (r.outcome === 'retry') sum.retry++
        else if (r.outcome === 'gave_up') sum.gaveUp++
        else sum.skipped++
        sum.outage ??= r.outage
      }
      if (sum.gaveUp > 0 && results.some((r) => r.outcome === 'gave_up')) {
        log.warn(
          { gave_up: sum.gaveUp, max_attempts: o.maxAttempts },
          're-enrichment gave up on rows after their last try (forecast re-enrich tries them again)',
        )
      }
      p.onBatch?.(sum)
      if (sum.outage != null) break
      if (Date.now() - lastLog >= 5_000) {
        lastLog = Date.now()
        const left = await repo.counts(o.maxAttempts)
        o.metrics.reenrichPending.set(left.pending)
        log.info({ ...sum, left: left.pending }, 're-enrichment progress')
      }
    }
    const left = await repo.counts(o.maxAttempts)
    o.metrics.reenrichPending.set(left.pending)
    if (sum.filled + sum.retry + sum.gaveUp + sum.skipped > 0) {
      log.info({ ...sum, left: left.pending, given_up: left.gaveUp }, sum.outage ? 're-enrichment stopped: Lexi unreachable' : 're-enrichment pass done')
    }
    return sum
  }

  return { drain, repo }
}
export type Reenricher = ReturnType<typeof createReenricher>
