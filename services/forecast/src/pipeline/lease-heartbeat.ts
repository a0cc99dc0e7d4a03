import type { Logger } from 'pino'
import { keyString } from './forecasts-repo'
import type { ClaimedJob, JobsRepo } from './jobs-repo'

export interface LeaseHeartbeat {
  /** The job is being worked on: its lease is renewed until release(). */
  hold: (job: ClaimedJob) => void
  release: (job: ClaimedJob) => void
  /** Starts renewing every leaseMs / 3 (at least every 100 ms); stop() ends it. */
  start: () => void
  stop: () => void
}

/**
 * Keeps the leases of the jobs this worker holds: a bar holds its lease from claim until its row is
 * stored (or it fails), and one query every leaseMs / 3 renews them all, so a lease runs out only
 * when the worker is gone.
 */
export function createLeaseHeartbeat(o: { jobs: JobsRepo; leaseMs: number; logger: Logger }): LeaseHeartbeat {
  const held = new Map<string, ClaimedJob>()
  let timer: NodeJS.Timeout | null = null
  return {
    hold: (job) => {
      held.set(keyString(job), job)
    },
    release: (job) => {
      held.delete(keyString(job))
    },
    start() {
      if (timer) return
      timer = setInterval(
        () => {
          o.jobs.heartbeat([...held.values()]).catch((err: unknown) => o.logger.warn({ err }, 'lease heartbeat failed'))
        },
        Math.max(100, o.leaseMs / 3),
      )
      timer.unref()
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = null
    },
  }
}
