import type { Logger } from 'pino'
import type { ForecastMetrics } from './forecast-metrics'
import type { ForecastsRepo } from './forecasts-repo'
import type { JobsRepo } from './jobs-repo'

/** A full scan for eligible bars (not only those after the latest job) at least this often. */
const FULL_SCAN_MS = 300_000

export interface BarPollerOptions {
  jobs: JobsRepo
  forecasts: ForecastsRepo
  metrics: ForecastMetrics
  logger: Logger
  modelVersion: string
  horizon: number
  minBars: number
  pollMs: number
  now: () => number
}

/**
 * The worker's two periodic chores: enqueue the bars that became eligible (a cheap scan after the
 * latest job, a full scan every 5 minutes) and resolve the forecasts whose horizon has passed.
 */
export function createBarPoller(o: BarPollerOptions) {
  let lastFullScan = 0
  let lastPoll = 0

  async function enqueue(full: boolean): Promise<number> {
    const n = await o.jobs.enqueue({ modelVersion: o.modelVersion, horizon: o.horizon, minBars: o.minBars, sinceLatest: !full })
    if (full) lastFullScan = o.now()
    if (n > 0) o.logger.info({ enqueued: n, full }, 'bars enqueued')
    return n
  }

  /** Resolves every due forecast; how many. */
  async function resolveAll(): Promise<number> {
    let total = 0
    for (let n = await o.forecasts.resolve(); n > 0; n = await o.forecasts.resolve()) total += n
    o.metrics.resolved.inc(total)
    return total
  }

  return {
    enqueue,
    resolveAll,
    /** New bars and due resolutions when a poll interval has passed (also while busy with a backlog); resolved count. */
    async pollIfDue(): Promise<number> {
      if (o.now() - lastPoll < o.pollMs) return 0
      lastPoll = o.now()
      const resolved = await resolveAll()
      await enqueue(o.now() - lastFullScan > FULL_SCAN_MS)
      return resolved
    },
    /** Milliseconds until the next poll is due (≤ 0: due now). */
    untilPoll: (): number => o.pollMs - (o.now() - lastPoll),
  }
}
export type BarPoller = ReturnType<typeof createBarPoller>
