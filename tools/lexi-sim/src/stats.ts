/** Counters behind GET /sim/stats and sim.stats(). */
export interface SimStatsSnapshot {
  /** Generation requests admitted to the engine (chat + completions). */
  requests: number
  /** Finished with stop or length. */
  completed: number
  /** Client disconnects that aborted a queued or running request. */
  aborted: number
  /** Generation requests refused before admission (4xx/5xx). */
  rejected: number
  running: number
  waiting: number
  peakRunning: number
  peakWaiting: number
  /** Faults injected, by name. */
  faults: Record<string, number>
  /** Every HTTP request, by path. */
  byRoute: Record<string, number>
  /** Admitted generation requests by their `priority` value. */
  byPriority: Record<string, number>
  /** Running requests sent back to the queue because the KV cache was full. */
  preemptions: number
}

export interface SimStats {
  requests: number
  completed: number
  aborted: number
  rejected: number
  faults: Record<string, number>
  byRoute: Record<string, number>
  byPriority: Record<string, number>
  preemptions: number
  fault: (name: string) => void
  route: (path: string) => void
  reset: () => void
}

export function createSimStats(): SimStats {
  const s: SimStats = {
    requests: 0,
    completed: 0,
    aborted: 0,
    rejected: 0,
    faults: {},
    byRoute: {},
    byPriority: {},
    preemptions: 0,
    fault(name) {
      s.faults[name] = (s.faults[name] ?? 0) + 1
    },
    route(path) {
      s.byRoute[path] = (s.byRoute[path] ?? 0) + 1
    },
    reset() {
      s.requests = 0
      s.completed = 0
      s.aborted = 0
      s.rejected = 0
      s.faults = {}
      s.byRoute = {}
      s.byPriority = {}
      s.preemptions = 0
    },
  }
  return s
}
