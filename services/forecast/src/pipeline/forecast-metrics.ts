import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Prometheus metrics of the forecast worker, registered on the given registry. */
export function createForecastMetrics(registry: Registry) {
  const registers = [registry]
  return {
    claimed: new Counter({ name: 'forecast_jobs_claimed_total', help: 'Jobs claimed from forecast_jobs', registers }),
    written: new Counter({ name: 'forecast_rows_written_total', help: 'Forecast rows inserted', registers }),
    completed: new Counter({ name: 'forecast_jobs_completed_total', help: 'Jobs marked done', registers }),
    failed: new Counter({ name: 'forecast_jobs_failed_total', help: 'Job attempts that threw', labelNames: ['final'] as const, registers }),
    llm: new Counter({ name: 'forecast_llm_results_total', help: 'LLM results stored in features.llm', labelNames: ['prompt', 'outcome'] as const, registers }),
    grounding: new Counter({
      name: 'forecast_rationale_grounding_total',
      help: 'Parsed rationales written: grounded (every cited number is in the inputs) or ungrounded (kept, flagged in features.llm.rationale.grounding)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    policy: new Counter({
      name: 'forecast_policy_effective_total',
      help: 'features.llm.policy.effective',
      labelNames: ['effective', 'fail_reason'] as const,
      registers,
    }),
    orders: new Counter({ name: 'forecast_orders_total', help: 'Proposed orders passed to the gate', labelNames: ['outcome'] as const, registers }),
    resolved: new Counter({ name: 'forecast_resolved_total', help: 'Forecasts whose realized_return was filled', registers }),
    pending: new Gauge({ name: 'forecast_jobs_pending', help: 'Pending jobs at the last poll', registers }),
    inflight: new Gauge({ name: 'forecast_bars_in_flight', help: 'Bars being forecast or enriched now', registers }),
    barSeconds: new Histogram({
      name: 'forecast_bar_seconds',
      help: 'Claim to LLM answers, per bar',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    paused: new Gauge({ name: 'forecast_backlog_paused', help: '1 while the backlog waits for Lexi (outage): only live bars are decided', registers }),
    pauses: new Counter({ name: 'forecast_backlog_pauses_total', help: 'Times the backlog was paused because Lexi was unreachable', registers }),
    held: new Counter({
      name: 'forecast_backlog_held_total',
      help: 'Bars given back without a row because Lexi was unreachable (they wait for it)',
      registers,
    }),
    reenrichMarked: new Counter({
      name: 'forecast_reenrich_marked_total',
      help: 'Rows written without an LLM answer during an outage, marked for re-enrichment',
      registers,
    }),
    reenrich: new Counter({
      name: 'forecast_reenrich_total',
      help: 'Re-enrichment tries by outcome: filled (late answer stored), retry (Lexi still down), gave_up, skipped',
      labelNames: ['outcome'] as const,
      registers,
    }),
    reenrichPending: new Gauge({
      name: 'forecast_reenrich_pending',
      help: 'Rows marked for re-enrichment and not filled in yet (at the last check)',
      registers,
    }),
    flushSeconds: new Histogram({
      name: 'forecast_flush_seconds',
      help: 'One batched write (rows, orders, job completion)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  }
}
export type ForecastMetrics = ReturnType<typeof createForecastMetrics>
