import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Db } from '@pulsetrade/db'
import { clientOptionsFromEnv, createLlmClient, loadPromptRegistry, type LlmClient } from '@pulsetrade/llm'
import { createPaperBroker, submitOrder } from '@pulsetrade/trading'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { ForecastConfig } from './config'
import { createModelRegistry } from './models/model-registry'
import { createEnricher } from './pipeline/enrich-forecast'
import { createForecastMetrics } from './pipeline/forecast-metrics'
import { createForecastWorker, type ForecastWorker, type WorkerOptions } from './pipeline/forecast-worker'
import { createUpstreamProbe } from './pipeline/upstream-probe'
import { createOutageOptions } from './pipeline/outage-options'
import type { PlaceOrder } from './pipeline/forecast-writer'
import { fromRepo } from './repo-paths'

export interface ForecastRuntime {
  worker: ForecastWorker
  llm: LlmClient & { metrics: Registry }
  /** Releases the LLM client (the pool belongs to the caller). */
  close: () => Promise<void>
}

/**
 * Builds the worker from config: LLM client, prompt registry, enricher, paper broker and the
 * order placement through libs/trading's submitOrder (risk + gate + fill in one transaction).
 */
export function createForecastRuntime (deps: {
  config: ForecastConfig
  db: Db
  logger: Logger
  metrics: Registry
  onProgress?: WorkerOptions['onProgress']
}): ForecastRuntime {
  const { config, db, logger } = deps
  const llm = createLlmClient({
    ...clientOptionsFromEnv(config),
    // Every bar in flight may wait for a slot: the queue must hold them all.
    maxQueue: Math.max(config.LLM_MAX_QUEUE, 2 * config.FORECAST_CONCURRENCY),
    db,
    logger,
  })
  const registry = loadPromptRegistry(fromRepo(config.LLM_PROMPTS_PATH), { abBuckets: config.LLM_AB_BUCKETS, logger })
  const mode = config.LLM_SHADOW_MODE ? 'shadow' as const : 'enforce' as const
  const gateDisabled = config.ORDER_GATE_DISABLED
  const lotSize = config.risk.RISK_LOT_SIZE
  const model = createModelRegistry()[config.FORECAST_MODEL]
  const broker = createPaperBroker({ db, slippageBps: config.risk.PAPER_SLIPPAGE_BPS })

  const placeOrder: PlaceOrder = async ({ forecastId, asof, features }) => {
    const order = features.inputs.order
    if (!order) return 'none'
    const { mode: _m, gate_disabled: _g, effective: _e, would: _w, fail_reason: _f, ...policy } = features.policy
    const out = await submitOrder(db, {
      forecastId,
      symbol: features.inputs.symbol,
      side: order.side,
      qty: order.qty,
      refPrice: order.ref_price,
      lastClose: order.ref_price,
      priceTs: asof,
      now: config.FORECAST_ORDER_CLOCK === 'bar' ? asof : new Date(),
      llm: policy,
      mode,
      gateDisabled,
      limits: config.risk,
      broker,
      // features.llm.policy keeps the LLM step; the full verdict (risk checks too) is orders.gate.
      mirrorPolicy: false,
      logger,
    })
    return out.duplicate ? 'duplicate' : out.order.status
  }

  const worker = createForecastWorker({
    db,
    logger,
    metrics: createForecastMetrics(deps.metrics),
    model,
    horizon: config.FORECAST_HORIZON,
    minBars: config.FORECAST_MIN_BARS,
    sizing: { minEdge: config.FORECAST_MIN_EDGE, fullEdge: config.FORECAST_FULL_EDGE, targetNotional: config.FORECAST_TARGET_NOTIONAL, lotSize },
    enrich: createEnricher({
      client: llm, registry, model: config.LLM_MODEL, mode, gateDisabled, lotSize,
      diagnose: createUpstreamProbe({ baseUrls: config.LLM_BASE_URL, apiKey: config.LLM_API_KEY }),
    }),
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
  return { worker, llm, close: () => llm.close() }
}
