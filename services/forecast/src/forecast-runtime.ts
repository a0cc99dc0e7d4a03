import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Db } from '@pulsetrade/db'
import {
  DEFAULT_SPRT,
  clientOptionsFromEnv,
  createCanaryMonitor,
  createLlmClient,
  loadPromptRegistry,
  type CanaryMonitor,
  type LlmClient,
} from '@pulsetrade/llm'
import { createPaperBroker } from '@pulsetrade/trading'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { ForecastConfig } from './config'
import { createModelRegistry } from './models/model-registry'
import { createEnricher, type EnrichForecast } from './pipeline/enrich-forecast'
import { createForecastMetrics } from './pipeline/forecast-metrics'
import { createForecastWorker, type ForecastWorker, type WorkerOptions } from './pipeline/forecast-worker'
import { createOutageOptions } from './pipeline/outage-options'
import { createOrderPlacer, type Gate } from './pipeline/place-gated-order'
import { fromRepo } from './repo-paths'

export interface ForecastRuntime {
  worker: ForecastWorker
  llm: LlmClient & { metrics: Registry }
  /** Canary abort of LLM_AB_BUCKETS challenger arms (null when no prompt is split). */
  canary: CanaryMonitor | null
  /** Releases the LLM client (the pool belongs to the caller). */
  close: () => Promise<void>
}

/**
 * Builds the worker from config: LLM client, prompt registry, enricher (asks, does not gate), paper
 * broker and the order placement: libs/trading's risk checks → libs/llm's gate → fill, once per
 * order in one transaction (place-gated-order.ts).
 */
export function createForecastRuntime(deps: {
  config: ForecastConfig
  db: Db
  logger: Logger
  metrics: Registry
  onProgress?: WorkerOptions['onProgress']
  /** The policy gate (evaluateGate); a test passes a wrapper to count its runs. */
  gate?: Gate
}): ForecastRuntime {
  const { config, db, logger } = deps
  const llm = createLlmClient({
    ...clientOptionsFromEnv(config),
    // Every bar in flight may wait for a slot: the queue must hold them all.
    maxQueue: Math.max(config.LLM_MAX_QUEUE, 2 * config.FORECAST_CONCURRENCY),
    db,
    logger,
  })
  const loaded = loadPromptRegistry(fromRepo(config.LLM_PROMPTS_PATH), { abBuckets: config.LLM_AB_BUCKETS, logger })
  // Split prompts: outcomes counted per version in Postgres; a stopped arm is served by the active version.
  const canary = loaded.names().some((n) => loaded.arms(n) !== null)
    ? createCanaryMonitor({
        db,
        registry: loaded,
        logger,
        pollMs: config.LLM_CANARY_POLL_MS,
        sprt: { ...DEFAULT_SPRT, alpha: config.LLM_CANARY_ALPHA, minSamples: config.LLM_CANARY_MIN_SAMPLES },
      })
    : null
  canary?.start()
  const registry = canary?.registry ?? loaded
  const mode = config.LLM_SHADOW_MODE ? ('shadow' as const) : ('enforce' as const)
  const gateDisabled = config.ORDER_GATE_DISABLED
  const lotSize = config.risk.RISK_LOT_SIZE
  const model = createModelRegistry()[config.FORECAST_MODEL]
  const broker = createPaperBroker({ db, slippageBps: config.risk.PAPER_SLIPPAGE_BPS })

  // Risk → gate → placement once per order; the verdict is orders.gate and features.llm.policy.
  const placeOrder = createOrderPlacer({
    db,
    broker,
    limits: config.risk,
    mode,
    gateDisabled,
    lotSize,
    clock: config.FORECAST_ORDER_CLOCK,
    logger,
    ...(deps.gate ? { gate: deps.gate } : {}),
    requireGrounded: config.LLM_GATE_REQUIRE_GROUNDED,
  })

  const worker = createForecastWorker({
    db,
    logger,
    metrics: createForecastMetrics(deps.metrics),
    model,
    horizon: config.FORECAST_HORIZON,
    minBars: config.FORECAST_MIN_BARS,
    sizing: { minEdge: config.FORECAST_MIN_EDGE, fullEdge: config.FORECAST_FULL_EDGE, targetNotional: config.FORECAST_TARGET_NOTIONAL, lotSize },
    enrich: observedBy(
      canary,
      createEnricher({
        client: llm,
        registry,
        model: config.LLM_MODEL,
        mode,
        gateDisabled,
        diagnose: llm.diagnose,
        policySamples: config.LLM_POLICY_SAMPLES,
      }),
    ),
    placeOrder,
    workerId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseMs: config.FORECAST_LEASE_MS,
    concurrency: config.FORECAST_CONCURRENCY,
    claimBatch: config.FORECAST_CLAIM_BATCH,
    pollMs: config.FORECAST_POLL_MS,
    flushMs: config.FORECAST_FLUSH_MS,
    flushMax: config.FORECAST_FLUSH_MAX,
    maxAttempts: config.FORECAST_MAX_ATTEMPTS,
    retryMs: config.FORECAST_RETRY_MS,
    onProgress: deps.onProgress,
    outage: createOutageOptions({ client: llm, registry, pause: config.FORECAST_OUTAGE_PAUSE, maxPriceAgeMs: config.risk.RISK_MAX_PRICE_AGE_MS }),
    reenrichConcurrency: config.FORECAST_REENRICH_CONCURRENCY,
  })
  return {
    worker,
    llm,
    canary,
    close: async () => {
      await canary?.close()
      await llm.close()
    },
  }
}

/** The enricher, with each call's outcome counted by the canary monitor (when a prompt is split). */
function observedBy(canary: CanaryMonitor | null, enrich: EnrichForecast): EnrichForecast {
  if (canary === null) return enrich
  return async (inputs) => {
    const f = await enrich(inputs)
    canary.observe(f.rationale)
    canary.observe(f.policy)
    return f
  }
}
