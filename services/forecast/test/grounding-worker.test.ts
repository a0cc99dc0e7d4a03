import { afterAll, beforeAll, expect, test } from 'vitest'
import pino from 'pino'
import { Registry } from 'prom-client'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { FeaturesLlmSchema } from '@pulsetrade/llm'
import { testDatabase } from '../../../test/db'
import { createForecastRuntime } from '../src/forecast-runtime'
import { loadBundledBars, testConfig, workerEnv } from './forecast-harness'

// Issue 19: the worker stores each rationale's grounding, counts it, and with
// LLM_GATE_REQUIRE_GROUNDED=1 an ungrounded rationale fails the order's gate (LLM_UNGROUNDED).
let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0, faults: { wrong_number: 0.5 } })
})
afterAll(async () => {
  await sim?.close()
})

const db = testDatabase()

test('grounding is stored and counted; with the knob on, ungrounded rationales deny their orders and grounded ones never do', async () => {
  const { pool, url } = await db
  await loadBundledBars(pool, 160)
  const metrics = new Registry()
  const rt = createForecastRuntime({
    config: testConfig(workerEnv(url, sim.url, { LLM_GATE_REQUIRE_GROUNDED: '1' })),
    db: pool,
    logger: pino({ level: 'silent' }),
    metrics,
  })
  try {
    await rt.worker.runOnce()
  } finally {
    await rt.close()
  }

  const { rows } = await pool.query<{ id: string; llm: unknown; gate: { reason_code?: string } | null; status: string | null }>(
    "SELECT f.id, f.features->'llm' AS llm, o.gate, o.status FROM forecasts f LEFT JOIN orders o ON o.forecast_id = f.id ORDER BY f.asof",
  )
  expect(rows.length).toBeGreaterThan(50)
  let grounded = 0
  let ungrounded = 0
  let ungroundedDenied = 0
  for (const r of rows) {
    const f = FeaturesLlmSchema.parse(r.llm)
    expect(f.rationale.ok).toBe(true)
    const g = f.rationale.grounding
    expect(g).toBeDefined()
    if (g!.unmatched.length === 0) {
      grounded++
      expect(r.gate?.reason_code).not.toBe('LLM_UNGROUNDED')
      continue
    }
    ungrounded++
    // Kept and flagged: the rationale is stored as answered, the wrong number named.
    expect(f.rationale.parsed?.summary).toContain(g!.unmatched[0]!.text)
    if (r.gate?.reason_code === 'LLM_UNGROUNDED') {
      ungroundedDenied++
      expect(r.status).toBe('denied')
      expect(f.policy).toMatchObject({ effective: 'deny', fail_reason: 'llm_denied' })
    }
  }
  expect(grounded).toBeGreaterThan(0)
  expect(ungrounded).toBeGreaterThan(0)
  expect(ungroundedDenied).toBeGreaterThan(0)
  const counter = (await metrics.getSingleMetric('forecast_rationale_grounding_total')?.get())?.values ?? []
  const count = (outcome: string): number => counter.find((v) => v.labels.outcome === outcome)?.value ?? 0
  expect({ grounded: count('grounded'), ungrounded: count('ungrounded') }).toEqual({ grounded, ungrounded })
}, 180_000)
