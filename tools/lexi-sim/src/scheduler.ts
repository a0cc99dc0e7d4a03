/**
 * vLLM's admission: at most `maxNumSeqs` requests run; the rest wait in an unbounded queue,
 * first-come-first-served or, under the priority policy, by (priority, arrival).
 */
export interface SchedulerEntry {
  priority: number
  /** Called when the entry gets a running slot. May call finish() synchronously. */
  start: () => void
  /** @internal */ seq?: number
  /** @internal */ state?: 'waiting' | 'running' | 'done'
}

export interface Scheduler {
  submit: (e: SchedulerEntry) => void
  /** Frees the slot of a running entry, or drops a waiting one; idempotent. */
  finish: (e: SchedulerEntry) => void
  readonly running: number
  readonly waiting: number
  readonly peakRunning: number
  readonly peakWaiting: number
  resetPeaks: () => void
}

export function createScheduler (opts: { maxNumSeqs: number, policy: 'fcfs' | 'priority' }): Scheduler {
  let queue: SchedulerEntry[] = []
  let head = 0
  let running = 0
  let waiting = 0
  let peakRunning = 0
  let peakWaiting = 0
  let seq = 0
  let draining = false

  const drain = (): void => {
    if (draining) return
    draining = true
    try {
      while (running < opts.maxNumSeqs && head < queue.length) {
        const e = queue[head++] as SchedulerEntry
        if (e.state !== 'waiting') continue
        waiting--
        running++
        if (running > peakRunning) peakRunning = running
        e.state = 'running'
        e.start()
      }
      if (head > 1024 && head * 2 > queue.length) { queue = queue.slice(head); head = 0 }
    } finally {
      draining = false
    }
  }

  const enqueue = (e: SchedulerEntry): void => {
    if (opts.policy === 'fcfs' || queue.length === head) { queue.push(e); return }
    // Binary search for the first entry that sorts after e (same priority keeps arrival order).
    let lo = head
    let hi = queue.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((queue[mid] as SchedulerEntry).priority <= e.priority) lo = mid + 1
      else hi = mid
    }
    queue.splice(lo, 0, e)
  }

  return {
    submit (e) {
      e.seq = seq++
      e.state = 'waiting'
      waiting++
      enqueue(e)
      drain()
      if (waiting > peakWaiting) peakWaiting = waiting
    },
    finish (e) {
      if (e.state === 'running') { running--; e.state = 'done'; drain() } else if (e.state === 'waiting') { waiting--; e.state = 'done' }
    },
    get running () { return running },
    get waiting () { return waiting },
    get peakRunning () { return peakRunning },
    get peakWaiting () { return peakWaiting },
    resetPeaks () { peakRunning = running; peakWaiting = waiting },
  }
}
