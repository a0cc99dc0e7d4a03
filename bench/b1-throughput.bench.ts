/**
 * B1 throughput: N forecasts (two LLM calls each) through the real forecast pipeline (runtime,
 * client, registry, gate, paper broker, Postgres) against lexi-sim answering every request in a
 * fixed L ms with S sequence slots. The ideal time is calls × L / S; ratio = ideal / achieved.
 *
 *   npx tsx bench/b1-throughput.bench.ts [--forecasts 2000] [--latency-ms 200] [--seqs 64]
 *
 * Postgres: a scratch database on DATABASE_URL's server, else on the embedded Postgres; dropped at the end.
 * Last line: `b1-throughput ratio=X` (target >= 0.95).
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { Registry } from 'prom-client'
import { importBarsFile } from '@pulsetrade/forecast/bars'
import { loadConfig } from '@pulsetrade/forecast/config'
import { createForecastRuntime } from '@pulsetrade/forecast/runtime'
import { reportBench, round } from './kit/bench-report'
import { startSimProcess } from './kit/lexi-sim-process'
import { machineInfo } from './kit/machine'
import { metricSum } from './kit/metric-sum'
import { createScratchDatabase } from './kit/scratch-database'

const BUNDLED_CSV = fileURLToPath(new URL('../data/sp500-daily-2000-2020.csv', import.meta.url))
const { values } = parseArgs({ options: { forecasts: { type: 'string' }, 'latency-ms': { type: 'string' }, seqs: { type: 'string' } } })
const forecasts = Number(values.forecasts ?? 2000)
const latencyMs = Number(values['latency-ms'] ?? 200)
const seqs = Number(values.seqs ?? 64)

const machine = machineInfo()
const sim = await startSimProcess(['--fixed-latency-ms', String(latencyMs), '--max-num-seqs', String(seqs)])
// Pool size of services/forecast/src/server.ts.
const db = await createScratchDatabase(process.env.DATABASE_URL, 12)
try {
  // FORECAST_*, LLM_* and RISK_* set in the environment tune the pipeline (e.g. FORECAST_CONCURRENCY=128).
  const tuning = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(FORECAST|LLM|RISK)_/.test(k))) as Record<string, string>
  const config = loadConfig({ LLM_CONCURRENCY: String(seqs), LOG_LEVEL: 'warn', ...tuning, DATABASE_URL: db.url, LLM_BASE_URL: `${sim.url}/v1` })
  // History for the first forecast, then exactly `forecasts` eligible bars.
  await importBarsFile(db.pool, BUNDLED_CSV, { symbol: 'SPX' })
  const keep = config.FORECAST_MIN_BARS - 1 + forecasts
  await db.pool.query(`DELETE FROM market_bars WHERE ts > (SELECT ts FROM market_bars ORDER BY ts OFFSET $1 LIMIT 1)`, [keep - 1])

  const metrics = new Registry()
  const logger = pino({ level: 'warn' }, pino.destination(2))
  const rt = createForecastRuntime({ config, db: db.pool, logger, metrics })
  let samples = 0
  let runningSum = 0
  const sampler = setInterval(() => {
    sim.stats().then(
      (s) => {
        samples++
        runningSum += s.running
      },
      () => {},
    )
  }, 250)
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const summary = await rt.worker.runOnce()
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuMsPerForecast = (cpu.user + cpu.system) / 1000 / Math.max(1, summary.done)
  clearInterval(sampler)
  await rt.close()

  const sims = await sim.stats()
  const stored = (
    await db.pool.query<{ n: number; ok: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE (features->'llm'->'rationale'->>'ok')::boolean
       AND (features->'llm'->'policy'->>'ok')::boolean)::int AS ok FROM forecasts`,
    )
  ).rows[0]
  const calls = sims.requests
  const ideal = (calls * latencyMs) / seqs / 1000
  const flushes = await metricSum(metrics, 'forecast_flush_seconds')
  await reportBench(
    {
      name: 'b1-throughput',
      ratio: ideal / seconds,
      target: 0.95,
      better: 'higher',
      params: { forecasts, latency_ms: latencyMs, seqs, database: db.server, tuning },
      rows: [
        {
          forecasts: summary.done,
          'rows stored': stored?.n ?? 0,
          'both LLM ok': stored?.ok ?? 0,
          'LLM calls': calls,
          'ideal s': round(ideal, 2),
          'achieved s': round(seconds, 2),
          'forecasts/s': round(summary.done / seconds, 1),
          'sim peak running': sims.peakRunning,
          'sim mean running': round(samples > 0 ? runningSum / samples : 0, 1),
          'worker cpu ms/forecast': round(cpuMsPerForecast, 1),
          flushes: flushes.count,
          'mean flush ms': round(flushes.count > 0 ? (1000 * flushes.sum) / flushes.count : 0, 1),
        },
      ],
      notes: [
        `ideal = ${calls} calls × ${latencyMs} ms / ${seqs} slots; achieved = worker.runOnce() wall time (enqueue, claims, LLM, writes, orders, resolve)`,
        `keeping ${seqs} slots busy at ${latencyMs} ms needs ${round((seqs * 1000) / latencyMs / 2, 1)} forecasts/s; at ${round(cpuMsPerForecast, 1)} ms of worker CPU each, one core sustains at most ${round(1000 / cpuMsPerForecast, 1)} forecasts/s`,
      ],
    },
    machine,
  )
} finally {
  await sim.close()
  await db.drop()
}
