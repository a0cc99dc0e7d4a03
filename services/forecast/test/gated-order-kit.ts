import type { Db } from '@pulsetrade/db'
import { evaluateGate, type FeaturesLlm, type GateInput, type GateMode, type GateVerdict, type LlmInputs } from '@pulsetrade/llm'
import { createPaperBroker, loadRiskLimits } from '@pulsetrade/trading'
import pino, { type Logger } from 'pino'
import { createEnricher } from '../src/pipeline/enrich-forecast'
import { createForecastsRepo } from '../src/pipeline/forecasts-repo'
import { createOrderPlacer } from '../src/pipeline/place-gated-order'
import { fakeLlm, fakeRegistry } from './fake-llm'

export const ASOF = new Date('2024-03-01T21:00:00Z')

/** A gate that records every run, so a test can count them and compare what was stored. */
export function countingGate(): { gate: (input: GateInput) => GateVerdict; runs: Array<{ input: GateInput; verdict: GateVerdict }> } {
  const runs: Array<{ input: GateInput; verdict: GateVerdict }> = []
  return {
    runs,
    gate: (input) => {
      const verdict = evaluateGate(input)
      runs.push({ input, verdict })
      return verdict
    },
  }
}

let seq = 0
/** Inputs of one forecast on `symbol` with the given proposed order (or none). */
export function inputsFor(symbol: string, order: LlmInputs['order']): LlmInputs {
  seq++
  return {
    symbol,
    asof: new Date(ASOF.getTime() - seq * 60_000).toISOString(),
    horizon: 1,
    forecast: { mu: 0.001, sigma: 0.01, p_up: 0.55, q05: -0.015, q95: 0.017 },
    signals: { ret_1: 0, ret_5: 0, ret_20: 0, vol_20: 0.01, rsi_14: 50, zscore_20: 0, volume_ratio: 1 },
    order,
  }
}

export interface StoreOptions {
  /** The policy answer (a PolicyDecision), or `fail` to fail both calls with that code. */
  policy?: unknown
  fail?: string
  mode?: GateMode
  gateDisabled?: boolean
}

/** Enriches `inputs` through the real enricher (fake LLM) and stores the forecast row; returns its id and features. */
export async function storeForecast(db: Db, inputs: LlmInputs, o: StoreOptions = {}): Promise<{ id: number; features: FeaturesLlm }> {
  const enrich = createEnricher({
    client: fakeLlm({ ...(o.fail ? { failCode: o.fail } : {}), ...(o.policy !== undefined ? { policy: o.policy } : {}) }),
    registry: fakeRegistry(),
    model: 'Lexi',
    mode: o.mode ?? 'enforce',
    gateDisabled: o.gateDisabled ?? false,
  })
  const features = await enrich(inputs)
  const asof = new Date(inputs.asof)
  const ids = await createForecastsRepo(db).insertMany([
    {
      symbol: inputs.symbol,
      asof,
      horizon: 1,
      model_version: 'test',
      mu: 0.001,
      sigma: 0.01,
      p_up: 0.55,
      q05: -0.015,
      q95: 0.017,
      features: { llm: features },
    },
  ])
  const id = [...ids.values()][0]?.id
  if (id == null) throw new Error('forecast not stored')
  return { id, features }
}

/** The forecast service's order placement (risk → gate → fill) on a paper broker, with a counting gate. */
export function placerFor(
  db: Db,
  o: { mode?: GateMode; gateDisabled?: boolean; gate: (input: GateInput) => GateVerdict; logger?: Logger; allowlist?: string },
) {
  return createOrderPlacer({
    db,
    broker: createPaperBroker({ db, slippageBps: 0 }),
    limits: loadRiskLimits({ RISK_SYMBOL_ALLOWLIST: o.allowlist ?? 'SPX,AAA,BBB', RISK_MAX_ORDERS_PER_MIN: '100000' }),
    mode: o.mode ?? 'enforce',
    gateDisabled: o.gateDisabled ?? false,
    lotSize: 1,
    clock: 'bar',
    gate: o.gate,
    logger: o.logger ?? pino({ level: 'silent' }),
  })
}

/** Enriches, stores and places one forecast's order, as the worker does; returns what was stored. */
export async function runOne(db: Db, placer: ReturnType<typeof placerFor>, inputs: LlmInputs, o: StoreOptions = {}) {
  const { id, features } = await storeForecast(db, inputs, o)
  const outcome = await placer({ forecastId: id, asof: new Date(inputs.asof), features })
  const { rows } = await db.query<{ policy: FeaturesLlm['policy']; gate: GateVerdict | null; status: string | null; qty: number | null }>(
    `SELECT f.features->'llm'->'policy' AS policy, o.gate, o.status, o.qty
       FROM forecasts f LEFT JOIN orders o ON o.forecast_id = f.id WHERE f.id = $1`,
    [id],
  )
  return { id, outcome, ...rows[0]! }
}
