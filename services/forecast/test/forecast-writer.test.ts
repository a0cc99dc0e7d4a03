import pino from 'pino'
import { Registry } from 'prom-client'
import { expect, inject, onTestFinished, test } from 'vitest'
import { createTestDatabase } from '@pulsetrade/db/testing'
import { runPrefix } from '../../../test/db'
import { createBarsRepo } from '../src/bars/bars-repo'
import { createModelRegistry } from '../src/models/model-registry'
import { buildForecastUnit } from '../src/pipeline/build-inputs'
import { createEnricher } from '../src/pipeline/enrich-forecast'
import { createForecastMetrics } from '../src/pipeline/forecast-metrics'
import { createForecastWriter, type PlaceOrder } from '../src/pipeline/forecast-writer'
import { createJobsRepo, type ClaimedJob } from '../src/pipeline/jobs-repo'
import type { ForecastRow } from '../src/pipeline/forecasts-repo'
import { DEFAULT_SIZING } from '../src/pipeline/propose-order'
import { makeBars } from './bars-fixture'
import { fakeLlm, fakeRegistry } from './fake-llm'

const model = createModelRegistry().ewma
const bars = makeBars(80, 2, { drift: 0.004 })
const enrich = createEnricher({ client: fakeLlm(), registry: fakeRegistry(), model: 'Lexi', mode: 'enforce', gateDisabled: false })

/** Each test's own database, bars, jobs, order recorder and writer: no state is shared between tests. */
async function setup() {
  const db = await createTestDatabase(inject('pgAdminUrl'), inject('pgTemplate'), runPrefix())
  onTestFinished(async () => {
    await db.drop()
  })
  await createBarsRepo(db.pool).insert(bars.map((b) => ({ symbol: 'W', ...b })))
  const jobs = createJobsRepo(db.pool, { workerId: 'w', leaseMs: 60_000 })
  await jobs.enqueue({ modelVersion: model.version, horizon: 1, minBars: 61 })
  const placed: number[] = []
  const broker = { failNext: false }
  /** Records calls and writes a real orders row, as submitOrder would (one per forecast). */
  const placeOrder: PlaceOrder = async ({ forecastId, features }) => {
    if (broker.failNext) {
      broker.failNext = false
      throw new Error('broker down')
    }
    placed.push(forecastId)
    const o = features.inputs.order!
    await db.pool.query("INSERT INTO orders (forecast_id, symbol, side, qty, ref_price, status) VALUES ($1, $2, $3, $4, $5, 'denied')", [
      forecastId,
      features.inputs.symbol,
      o.side,
      o.qty,
      o.ref_price,
    ])
    return 'denied'
  }
  const writer = createForecastWriter({
    db: db.pool,
    jobs,
    placeOrder,
    logger: pino({ level: 'silent' }),
    metrics: createForecastMetrics(new Registry()),
    flushMs: 5,
    flushMax: 100,
  })
  const countRows = async (table: string): Promise<number> => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n ?? 0
  return { jobs, placed, broker, writer, countRows }
}

async function rowFor(job: ClaimedJob): Promise<ForecastRow> {
  const i = bars.findIndex((b) => b.ts.getTime() === job.asof.getTime())
  const unit = buildForecastUnit('W', bars.slice(0, i + 1), model, 1, { ...DEFAULT_SIZING, minEdge: 0 })
  return { ...job, ...unit.forecast, features: { llm: await enrich(unit.inputs) } }
}

test('a batch writes its rows and orders once and completes its jobs; writing it again changes nothing', async () => {
  const { jobs, placed, writer, countRows } = await setup()
  const claimed = await jobs.claim(5, model.version)
  const rows = await Promise.all(claimed.map(rowFor))
  await Promise.all(claimed.map((job, i) => writer.write({ job, row: rows[i]! })))
  expect(await countRows('forecasts')).toBe(5)
  expect(placed).toHaveLength(5)
  expect((await jobs.counts(model.version)).done).toBe(5)

  await Promise.all(claimed.map((job, i) => writer.write({ job, row: rows[i]! })))
  expect(await countRows('forecasts')).toBe(5)
  expect(await countRows('orders')).toBe(5)
  expect(placed).toHaveLength(5)
})

test('a job resumed after a crash (row stored, order missing) places the order only', async () => {
  const { jobs, placed, broker, writer, countRows } = await setup()
  const [job] = await jobs.claim(1, model.version)
  broker.failNext = true
  await expect(writer.write({ job: job!, row: await rowFor(job!) })).rejects.toThrow(/broker down/)
  expect(await countRows('forecasts')).toBe(1)
  expect(await countRows('orders')).toBe(0)
  expect((await jobs.counts(model.version)).done).toBe(0) // not completed: it will be claimed again

  await jobs.release([job!])
  const [again] = await jobs.claim(1, model.version)
  expect(again?.forecast_id).not.toBeNull()
  await writer.write({ job: again!, row: null })
  expect(placed).toEqual([again?.forecast_id])
  expect(await countRows('forecasts')).toBe(1)
  expect(await countRows('orders')).toBe(1)
  expect((await jobs.counts(model.version)).done).toBe(1)
})
