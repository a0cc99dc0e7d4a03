import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { CircuitState } from './circuit-breaker'

export interface MetricSources {
  inFlight: () => number
  waiting: () => number
  circuits: () => Array<{ label: string; state: CircuitState }>
  /** Slots held and callers waiting per priority class. */
  classes?: () => Record<string, { inFlight: number; waiting: number }>
}

export type ClientMetrics = ReturnType<typeof createClientMetrics>

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 }

/** The client's Prometheus metrics, registered on `registry` (one registry per client). */
export function createClientMetrics(registry: Registry, sources: MetricSources) {
  const registers = [registry]
  return {
    latency: new Histogram({
      name: 'llm_client_call_duration_seconds',
      help: 'Whole LLM call time (queue, retries, repair) by prompt, version and outcome',
      labelNames: ['prompt', 'version', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
      registers,
    }),
    outcomes: new Counter({
      name: 'llm_client_calls_total',
      help: 'LLM calls by outcome (ok, repaired, cache_hit, invalid_json, timeout, circuit_open, unreachable, ...)',
      labelNames: ['prompt', 'version', 'outcome'] as const,
      registers,
    }),
    attempts: new Counter({
      name: 'llm_client_upstream_requests_total',
      help: 'Requests sent upstream, by upstream and outcome',
      labelNames: ['upstream', 'outcome'] as const,
      registers,
    }),
    retries: new Counter({
      name: 'llm_client_retries_total',
      help: 'Retries and failovers, by upstream and the error code that caused them',
      labelNames: ['upstream', 'code'] as const,
      registers,
    }),
    tokens: new Counter({
      name: 'llm_client_tokens_total',
      help: 'Tokens reported by the upstream, by prompt and kind (prompt|completion)',
      labelNames: ['prompt', 'kind'] as const,
      registers,
    }),
    cache: new Counter({
      name: 'llm_client_cache_total',
      help: 'llm_cache lookups and writes (hit, miss, write, error)',
      labelNames: ['result'] as const,
      registers,
    }),
    callLogErrors: new Counter({
      name: 'llm_client_call_log_errors_total',
      help: 'llm_calls rows that could not be written',
      registers,
    }),
    inFlight: new Gauge({
      name: 'llm_client_in_flight',
      help: 'Requests holding a concurrency slot',
      registers,
      collect() {
        this.set(sources.inFlight())
      },
    }),
    queued: new Gauge({
      name: 'llm_client_queue_waiting',
      help: 'Callers waiting for a concurrency slot',
      registers,
      collect() {
        this.set(sources.waiting())
      },
    }),
    priorityDowngrades: new Counter({
      name: 'llm_client_priority_downgrades_total',
      help: 'Upstreams found without priority scheduling (400 "Priority scheduling is not enabled"); requests to them carry no priority since',
      labelNames: ['upstream'] as const,
      registers,
    }),
    classSlots: new Gauge({
      name: 'llm_client_class_slots',
      help: 'Concurrency slots held (state="in_flight") and callers waiting (state="waiting") per priority class',
      labelNames: ['class', 'state'] as const,
      registers,
      collect() {
        for (const [cls, v] of Object.entries(sources.classes?.() ?? {})) {
          this.set({ class: cls, state: 'in_flight' }, v.inFlight)
          this.set({ class: cls, state: 'waiting' }, v.waiting)
        }
      },
    }),
    circuit: new Gauge({
      name: 'llm_client_circuit_state',
      help: 'Circuit state per upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['upstream'] as const,
      registers,
      collect() {
        for (const c of sources.circuits()) this.set({ upstream: c.label }, CIRCUIT_VALUE[c.state])
      },
    }),
  }
}
