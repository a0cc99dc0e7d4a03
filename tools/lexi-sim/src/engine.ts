import type { AnswerPlan } from './answer-plan'
import type { SimFaults } from './faults'
import type { LatencyKnobs, LatencyModel } from './latency-model'
import type { SimMetrics } from './metrics'
import type { Scheduler, SchedulerEntry } from './scheduler'
import type { SimStats } from './stats'

export type JobFailure = 'stream_error' | 'reset' | 'engine_dead'

/** How the HTTP layer hears about its job. */
export interface JobSink {
  onStart: () => void
  /** plan.deltas[from..to) were generated. */
  onTokens: (from: number, to: number) => void
  onFinish: () => void
  onFail: (kind: JobFailure) => void
}

export interface Job extends SchedulerEntry {
  id: string
  promptTokens: number
  maxTokens: number
  plan: AnswerPlan
  stream: boolean
  /** Fail with this fault once `atToken` tokens were generated. */
  fault: { kind: 'stream_error' | 'reset'; atToken: number } | null
  sink: JobSink
  arrivedAt: number
  startedAt: number
  firstTokenAt: number
  emitted: number
  timer: NodeJS.Timeout | null
  over: boolean
  /** Preempted since its last prefill: the next step recomputes prompt + emitted tokens. */
  recompute?: boolean
}

export interface EngineDeps {
  scheduler: Scheduler
  latency: LatencyModel
  knobs: LatencyKnobs
  metrics: SimMetrics
  stats: SimStats
  faults: () => SimFaults
  /** KV-cache capacity in tokens; null = never full (no preemption). */
  kvCacheTokens?: number | null
}

const NON_STREAM_STEP = 16

/** Runs admitted jobs through time: prefill, decode steps, wedging, faults, aborts. */
export function createEngine(d: EngineDeps) {
  const inFlight = new Map<string, Job>()
  const parked = new Set<Job>()
  let kvTokens = 0
  const capacity = d.kvCacheTokens ?? null
  const now = (): number => performance.now()
  const footprint = (job: Job): number => job.promptTokens + job.emitted

  /** vLLM's preemption (recompute): frees the job's KV blocks and puts it back in the waiting queue. */
  const preempt = (job: Job): void => {
    if (job.timer !== null) {
      clearTimeout(job.timer)
      job.timer = null
    }
    parked.delete(job)
    kvTokens -= footprint(job)
    job.recompute = true
    d.scheduler.preempt(job)
    d.stats.preemptions++
    d.metrics.preempted()
  }

  /**
   * Room for `n` more KV tokens of `job`: while the cache is full, preempt the running request
   * vLLM would pick (lowest priority, latest arrival). False when that is `job` itself.
   */
  const makeRoom = (job: Job, n: number): boolean => {
    if (capacity === null) return true
    while (kvTokens + n > capacity) {
      const victim = d.scheduler.victim() as Job | null
      if (victim === null) return true
      preempt(victim)
      if (victim === job) return false
    }
    return true
  }

  const end = (job: Job, reason: 'stop' | 'length' | 'abort'): void => {
    if (job.over) return
    job.over = true
    if (job.timer !== null) {
      clearTimeout(job.timer)
      job.timer = null
    }
    parked.delete(job)
    if (inFlight.get(job.id) === job) inFlight.delete(job.id)
    const wasRunning = job.state === 'running'
    if (wasRunning) kvTokens -= job.promptTokens + job.emitted
    d.scheduler.finish(job)
    d.metrics.finished(observation(job, reason))
  }

  const observation = (job: Job, reason: 'stop' | 'length' | 'abort') => {
    const t = now()
    const started = job.startedAt > 0 ? job.startedAt : t
    const first = job.firstTokenAt > 0 ? job.firstTokenAt : t
    return {
      finishedReason: reason,
      e2eS: (t - job.arrivedAt) / 1000,
      queueS: (started - job.arrivedAt) / 1000,
      prefillS: (first - started) / 1000,
      decodeS: (t - first) / 1000,
      inferenceS: (t - started) / 1000,
      promptTokens: job.promptTokens,
      generationTokens: job.emitted,
      maxTokens: job.maxTokens,
    }
  }

  const emit = (job: Job, k: number, stepMs: number): void => {
    const from = job.emitted
    let to = Math.min(job.plan.deltas.length, from + k)
    const failAt = job.fault !== null && job.fault.atToken < to ? job.fault.atToken : -1
    if (failAt >= 0) to = Math.max(from, failAt)
    if (to > from && !makeRoom(job, to - from)) return
    if (to > from) {
      if (from === 0) {
        job.firstTokenAt = now()
        d.metrics.ttft((job.firstTokenAt - job.arrivedAt) / 1000)
      }
      const intervals = from === 0 ? to - from - 1 : to - from
      if (intervals > 0) d.metrics.itl(stepMs / (to - from) / 1000, intervals)
      job.emitted = to
      kvTokens += to - from
      d.metrics.tokens(0, to - from)
      job.sink.onTokens(from, to)
      if (job.over) return
    }
    if (failAt >= 0 && job.fault !== null) {
      d.stats.fault(job.fault.kind)
      job.sink.onFail(job.fault.kind)
      end(job, 'abort')
      return
    }
    if (job.emitted >= job.plan.deltas.length) {
      d.stats.completed++
      end(job, job.plan.finishReason)
      job.sink.onFinish()
    }
  }

  /** Emits the job's next step (synchronously when it takes no time), until done, parked or waiting on a timer. */
  const advance = (job: Job): void => {
    while (!job.over && job.state === 'running') {
      const f = d.faults()
      if (f.engine_dead) {
        job.sink.onFail('engine_dead')
        end(job, 'abort')
        return
      }
      if (f.wedged) {
        parked.add(job)
        return
      }
      const remaining = job.plan.deltas.length - job.emitted
      let k: number
      let ms: number
      if (d.knobs.fixedLatencyMs !== null) {
        const total = d.knobs.fixedLatencyMs * f.slow
        const n = job.plan.deltas.length
        k = job.stream ? 1 : remaining
        const target = job.startedAt + (total * (job.emitted + k)) / Math.max(1, n)
        ms = Math.max(0, target - now())
      } else {
        k = job.stream ? 1 : Math.min(NON_STREAM_STEP, remaining)
        const structured = job.plan.schemaKey !== null
        ms = job.emitted === 0 || job.recompute === true ? d.latency.prefillMs(footprint(job), job.plan.schemaKey, f.slow) : 0
        job.recompute = false
        for (let i = 0; i < k; i++) ms += d.latency.itlMs(d.scheduler.running, structured, f.slow)
      }
      if (ms <= 0) {
        emit(job, k, 0)
        continue
      }
      job.timer = setTimeout(() => {
        job.timer = null
        if (d.faults().wedged) {
          parked.add(job)
          return
        }
        emit(job, k, ms)
        advance(job)
      }, ms)
      return
    }
  }

  return {
    inFlight,
    submit(job: Job): void {
      inFlight.set(job.id, job)
      d.stats.requests++
      d.stats.byPriority[job.priority] = (d.stats.byPriority[job.priority] ?? 0) + 1
      d.metrics.tokens(job.promptTokens, 0)
      job.start = () => {
        kvTokens += footprint(job)
        // A preempted job resumes: its client already saw the start (and the tokens so far).
        if (job.recompute !== true) {
          job.startedAt = now()
          job.sink.onStart()
        }
        advance(job)
      }
      d.scheduler.submit(job)
    },
    /** The client went away: free the slot (or queue place) at once. */
    abort(job: Job): void {
      if (job.over) return
      d.stats.aborted++
      end(job, 'abort')
    },
    /** Continues jobs parked while the engine was wedged. */
    resume(): void {
      const jobs = [...parked]
      parked.clear()
      for (const job of jobs) advance(job)
    },
    kvTokens: () => kvTokens,
    /** Whether a waiting job's tokens fit the KV cache now (admission, like allocate_slots). */
    fits: (job: Job): boolean => capacity === null || kvTokens + footprint(job) <= capacity,
  }
}
export type Engine = ReturnType<typeof createEngine>
