/**
 * vLLM v1's admission (vllm/v1/core/sched/scheduler.py): at most `maxNumSeqs` requests run; the
 * rest wait in an unbounded queue, first-come-first-served or, under the priority policy, ordered
 * by (priority, arrival) — a lower priority value first. A full batch never preempts anybody: a
 * waiting request of any priority waits for a running one to finish. Preemption happens only when
 * the KV cache runs out (see engine.ts): the victim is the running request with the largest
 * (priority, arrival) under the priority policy, the last one admitted under fcfs; it goes back to
 * the waiting queue and recomputes its tokens when admitted again.
 */
import Denque from 'denque'

export interface SchedulerEntry {
  priority: number
  /** Called when the entry gets a running slot. May call finish() synchronously. */
  start: () => void
  /** @internal arrival order */ seq?: number
  /** @internal */ state?: 'waiting' | 'running' | 'done'
}

export interface Scheduler {
  submit: (e: SchedulerEntry) => void
  /** Frees the slot of a running entry, or drops a waiting one; idempotent. */
  finish: (e: SchedulerEntry) => void
  /** The running entry vLLM would preempt now (null when none runs). */
  victim: () => SchedulerEntry | null
  /** Puts a running entry back into the waiting queue (preemption); its place keeps its arrival. */
  preempt: (e: SchedulerEntry) => void
  /** Admits waiting entries while slots (and `canAdmit`) allow. */
  drain: () => void
  readonly running: number
  readonly waiting: number
  readonly peakRunning: number
  readonly peakWaiting: number
  resetPeaks: () => void
}

export interface SchedulerOptions {
  maxNumSeqs: number
  policy: 'fcfs' | 'priority'
  /** Whether the head of the queue fits now (KV room); admission stops at the first that does not, like vLLM's. */
  canAdmit?: (e: SchedulerEntry) => boolean
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  // Waiting entries in admission order (denque); a finished entry stays, marked done, until it reaches the front.
  const queue = new Denque<SchedulerEntry>()
  const runningList: SchedulerEntry[] = []
  let waiting = 0
  let peakRunning = 0
  let peakWaiting = 0
  let seq = 0
  let draining = false

  const drain = (): void => {
    if (draining) return
    draining = true
    try {
      while (runningList.length < opts.maxNumSeqs && !queue.isEmpty()) {
        const e = queue.peekFront() as SchedulerEntry
        if (e.state !== 'waiting') {
          queue.shift()
          continue
        }
        if (opts.canAdmit && !opts.canAdmit(e)) break
        queue.shift()
        waiting--
        runningList.push(e)
        if (runningList.length > peakRunning) peakRunning = runningList.length
        e.state = 'running'
        e.start()
      }
    } finally {
      draining = false
    }
  }

  const before = (a: SchedulerEntry, b: SchedulerEntry): boolean => a.priority < b.priority || (a.priority === b.priority && (a.seq ?? 0) < (b.seq ?? 0))

  const enqueue = (e: SchedulerEntry, preempted: boolean): void => {
    if (opts.policy === 'fcfs') {
      // vLLM prepends a preempted request to the FCFS deque; a new one goes to the back.
      if (!preempted) queue.push(e)
      else queue.unshift(e)
      return
    }
    // Binary search for the first entry that sorts after e by (priority, arrival).
    let lo = 0
    let hi = queue.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (before(queue.peekAt(mid) as SchedulerEntry, e)) lo = mid + 1
      else hi = mid
    }
    if (lo === queue.length) queue.push(e)
    else queue.splice(lo, 0, e)
  }

  const removeRunning = (e: SchedulerEntry): void => {
    const i = runningList.lastIndexOf(e)
    if (i >= 0) runningList.splice(i, 1)
  }

  return {
    submit(e) {
      e.seq = seq++
      e.state = 'waiting'
      waiting++
      enqueue(e, false)
      drain()
      if (waiting > peakWaiting) peakWaiting = waiting
    },
    finish(e) {
      if (e.state === 'running') {
        removeRunning(e)
        e.state = 'done'
        drain()
      } else if (e.state === 'waiting') {
        waiting--
        e.state = 'done'
      }
    },
    victim() {
      if (runningList.length === 0) return null
      if (opts.policy === 'fcfs') return runningList[runningList.length - 1] as SchedulerEntry
      let worst = runningList[0] as SchedulerEntry
      for (const e of runningList) if (before(worst, e)) worst = e
      return worst
    },
    preempt(e) {
      if (e.state !== 'running') return
      removeRunning(e)
      e.state = 'waiting'
      waiting++
      enqueue(e, true)
      if (waiting > peakWaiting) peakWaiting = waiting
    },
    drain,
    get running() {
      return runningList.length
    },
    get waiting() {
      return waiting
    },
    get peakRunning() {
      return peakRunning
    },
    get peakWaiting() {
      return peakWaiting
    },
    resetPeaks() {
      peakRunning = runningList.length
      peakWaiting = waiting
    },
  }
}
