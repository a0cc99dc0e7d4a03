import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import pino from 'pino'
import { Registry } from 'prom-client'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { FeaturesLlmSchema, type FeaturesLlm } from '@pulsetrade/llm'
import { testDatabase } from '../../../test/db'
import { createForecastRuntime } from '../src/forecast-runtime'
import { eligibleAsofs, loadBundledBars, runOnceInProcess, spawnForecast, testConfig, within, workerEnv } from './forecast-harness'

let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
})
afterAll(async () => {
  await sim?.close()
})

const features = async (pool: { query: (sql: string) => Promise<{ rows: Array<{ llm: unknown }> }> }): Promise<FeaturesLlm[]> =>
  (await pool.query("SELECT features->'llm' AS llm FROM forecasts ORDER BY asof")).rows.map((r) => FeaturesLlmSchema.parse(r.llm))

describe('Lexi down for the whole run', () => {
  const db = testDatabase()

  test('every row is written, every proposed order is denied with fail_reason "unreachable" (no_order rows say so), and the run exits 0', async () => {
    const { pool, url } = await db
    await sim.setFaults({ down: true })
    try {
      await loadBundledBars(pool, 100)
      // The fail-closed write path itself: with the outage pause on, these historical bars would wait for Lexi instead (lexi-outage-recovery drill).
      const w = spawnForecast(['run', '--once'], workerEnv(url, sim.url, { FORECAST_OUTAGE_PAUSE: '0' }))
      expect(await within(120_000, 'worker', w.exited), w.output()).toBe(0)
    } finally {
      await sim.setFaults({ down: false })
    }
    const rows = await features(pool)
    expect(rows.map((f) => f.inputs.asof)).toEqual(await eligibleAsofs(pool))
    for (const f of rows) {
      expect(f.policy).toMatchObject({ ok: false, effective: f.inputs.order ? 'deny' : 'no_order', fail_reason: 'unreachable', parsed: null })
      expect(f.rationale.ok).toBe(false)
      expect(['LLM_ERR_UNREACHABLE', 'LLM_ERR_CIRCUIT_OPEN']).toContain(f.policy.error?.code)
    }
    const orders = await pool.query<{ status: string }>('SELECT DISTINCT status FROM orders')
    expect(orders.rows.map((r) => r.status)).toEqual(['denied'])
  }, 180_000)
})

describe('Lexi answering invalid JSON 30% of the time', () => {
  const db = testDatabase()

  test('rows carry valid_json false or repaired true accordingly, and only valid answers are used', async () => {
    const { pool, url } = await db
    await sim.setFaults({ invalid_json: 0.3 })
    try {
      await loadBundledBars(pool, 160)
      await runOnceInProcess(pool, workerEnv(url, sim.url))
    } finally {
      await sim.resetFaults()
    }
    const rows = await features(pool)
    expect(rows).toHaveLength(100)
    const reducing = new Set(
      (await pool.query<{ asof: Date }>('SELECT f.asof FROM forecasts f JOIN orders o ON o.forecast_id = f.id WHERE o.risk_reducing')).rows.map((r) =>
        r.asof.toISOString(),
      ),
    )
    let repaired = 0
    let invalid = 0
    for (const f of rows) {
      for (const r of [f.rationale, f.policy]) {
        if (r.repaired) {
          repaired++
          expect(r).toMatchObject({ valid_json: true, ok: true })
          expect(r.parsed).not.toBeNull()
        }
        if (!r.valid_json) {
          invalid++
          expect(r).toMatchObject({ ok: false, parsed: null })
          expect(r.raw).not.toBe('')
        }
      }
      // An unusable answer denies a proposed order (fail closed), except an exit: it never waits on the LLM.
      if (!f.policy.valid_json) {
        expect(f.policy).toMatchObject(
          !f.inputs.order
            ? { effective: 'no_order', fail_reason: 'invalid_json' }
            : reducing.has(f.inputs.asof)
              ? { effective: 'reduce_only_allowed', fail_reason: null }
              : { effective: 'deny', fail_reason: 'invalid_json' },
        )
      }
    }
    // 200 answers at a 30% fault rate: faults show up, each as a repair or as invalid JSON.
    expect(repaired + invalid).toBeGreaterThan(20)
  }, 180_000)
})

describe('Lexi coming back', () => {
  const db = testDatabase()

  test('a running worker enriches new rows again once Lexi answers, without a restart', async () => {
    const { pool, url } = await db
    await sim.setFaults({ down: true })
    await loadBundledBars(pool, 100)
    // Rows must be written while Lexi is down (historical bars: the outage pause would hold them).
    const rt = createForecastRuntime({
      config: testConfig(workerEnv(url, sim.url, { FORECAST_OUTAGE_PAUSE: '0' })),
      db: pool,
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
    })
    const running = rt.worker.run()
    try {
      const enriched = async (): Promise<number> =>
        (
          await pool.query<{ n: number }>(
            // Answered when written: rows filled in later by the re-enricher carry `late` and do not count.
            "SELECT count(*)::int AS n FROM forecasts WHERE (features->'llm'->'policy'->>'ok')::boolean AND NOT (features->'llm' ? 'late')",
          )
        ).rows[0]?.n ?? 0
      const written = async (): Promise<number> => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM forecasts')).rows[0]?.n ?? 0
      const deadline = Date.now() + 60_000
      while ((await written()) < 40) {
        if (Date.now() > deadline) throw new Error('rows were not written while Lexi was down')
        await sleep(50)
      }
      expect(await enriched()).toBe(0)

      await sim.setFaults({ down: false })
      // New bars keep arriving (one every 300 ms) until one is enriched; the breaker half-opens by itself.
      for (let bars = 101; (await enriched()) === 0; bars++) {
        if (Date.now() > deadline + 60_000) throw new Error('no row was enriched after Lexi came back')
        await loadBundledBars(pool, Math.min(bars, 400))
        await sleep(300)
      }
      const last = await pool.query<{ ok: boolean; fail: string | null }>(
        "SELECT (features->'llm'->'policy'->>'ok')::boolean AS ok, features->'llm'->'policy'->>'fail_reason' AS fail FROM forecasts ORDER BY asof DESC LIMIT 1",
      )
      expect(last.rows[0]?.ok).toBe(true)
    } finally {
      rt.worker.stop()
      await within(30_000, 'worker stop', running)
      await rt.close()
      await sim.resetFaults()
    }
  }, 180_000)
})
