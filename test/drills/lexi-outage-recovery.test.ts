import { setTimeout as sleep } from 'node:timers/promises'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { Db } from '@pulsetrade/db'
import { loadConfig as forecastConfig } from '@pulsetrade/forecast/config'
import { createForecastRuntime } from '@pulsetrade/forecast/runtime'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { FeaturesLlmSchema, type FeaturesLlm } from '@pulsetrade/llm'
import { testDatabase } from '../db'
import { eligibleBars, loadSpxBars } from './kit/forecast-bars'
import { captureLogs } from './kit/log-capture'

/**
 * Drill 8: a Lexi outage in the middle of a backlog (issue 16). A worker works through a backlog of
 * 5,000 historical SPX bars (too old to trade) with Lexi answering; then Lexi goes down (lexi-sim's
 * `down` fault: its port closes) for OUTAGE_MS while a live symbol gets a new bar every
 * LIVE_EVERY_MS; then Lexi comes back.
 *
 * During the outage the backlog must wait (no SPX row written once the circuit is open) while each
 * live bar is written at once, denied, and marked; after recovery the backlog resumes, every row
 * has Lexi's rationale and policy, the rows decided during the outage are flagged late (original
 * failure kept), no order comes from a late answer, and no bar is processed twice.
 *
 * The outage lasts 40 s, as the issue measured it (the old worker wrote ~100 fail-fast rows a second
 * through it); OUTAGE_DRILL_MS shortens it for a quick local run.
 */
const BACKLOG = 5_000
const OUTAGE_MS = Number(process.env.OUTAGE_DRILL_MS ?? 40_000)
const LIVE_EVERY_MS = 2_000
/** Backlog rows written before Lexi goes down, and after it is back before the drill stops. */
const BEFORE_ROWS = 100
const AFTER_ROWS = 100

const db = await testDatabase()
let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 5 })
})
afterAll(async () => {
  await sim?.close()
})

const count = async (pool: Db, sql: string, params: unknown[] = []): Promise<number> => (await pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0

/** One live bar of symbol LIVE at `ts` (a gentle deterministic walk, valid OHLC). */
async function insertLiveBar(pool: Db, k: number, ts: Date): Promise<void> {
  const close = 100 * (1 + 0.02 * Math.sin(k / 3) + 0.001 * k)
  await pool.query('INSERT INTO market_bars (symbol, ts, open, high, low, close, volume) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    'LIVE',
    ts,
    close * 0.999,
    close * 1.004,
    close * 0.995,
    close,
    1000 + k,
  ])
}

test(
  'a 5,000-bar backlog waits out a Lexi outage, live bars are decided and filled in late, no order from a late answer, no bar twice',
  { timeout: 150_000 },
  async () => {
    const pool = db.pool
    const config = forecastConfig({
      DATABASE_URL: db.url,
      LLM_BASE_URL: `${sim.url}/v1`,
      LOG_LEVEL: 'info',
      LLM_TIMEOUT_MS: '10000',
      LLM_MAX_RETRIES: '1',
      FORECAST_POLL_MS: '200',
      FORECAST_LEASE_MS: '10000',
      FORECAST_RETRY_MS: '300',
      // A smaller write window: fewer answered rows still queued for the writer when Lexi dies.
      FORECAST_FLUSH_MAX: '64',
      RISK_SYMBOL_ALLOWLIST: 'SPX,LIVE',
    })
    await loadSpxBars(pool, config.FORECAST_MIN_BARS - 1 + BACKLOG)
    expect(await eligibleBars(pool, config.FORECAST_MIN_BARS)).toHaveLength(BACKLOG)
    // The live symbol's history: one bar a minute over the last two hours, none eligible yet.
    const historyStart = Date.now() - 2 * 3_600_000
    for (let k = 0; k < config.FORECAST_MIN_BARS - 1; k++) await insertLiveBar(pool, k, new Date(historyStart + k * 60_000))

    const logs = captureLogs('info')
    const metrics = new Registry()
    const rt = createForecastRuntime({ config, db: pool, logger: logs.logger, metrics })
    const running = rt.worker.run()
    const rows = (): Promise<number> => count(pool, 'SELECT count(*)::int AS n FROM forecasts')
    const waitFor = async (what: string, ms: number, ok: () => Promise<boolean>): Promise<void> => {
      const end = Date.now() + ms
      while (!(await ok())) {
        if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`)
        await sleep(100)
      }
    }
    const t0 = Date.now()
    let tDown = 0
    let tUp = 0
    let tEnd = 0
    let down: Date
    let up: Date
    let liveBars = 0
    /** SPX rows written, sampled every second of the outage. */
    const spxDuring: number[] = []
    try {
      await waitFor('backlog rows before the outage', 30_000, async () => (await rows()) >= BEFORE_ROWS)

      // Lexi dies. Live bars keep arriving.
      down = new Date()
      tDown = Date.now()
      await sim.setFaults({ down: true })
      const outageEnd = Date.now() + OUTAGE_MS
      let nextLive = Date.now() + 500
      let nextSample = Date.now()
      while (Date.now() < outageEnd) {
        if (Date.now() >= nextSample) {
          spxDuring.push(await count(pool, "SELECT count(*)::int AS n FROM forecasts WHERE symbol = 'SPX'"))
          nextSample += 1_000
        }
        if (Date.now() >= nextLive) {
          await insertLiveBar(pool, config.FORECAST_MIN_BARS - 1 + liveBars, new Date())
          liveBars++
          nextLive += LIVE_EVERY_MS
        }
        await sleep(50)
      }
      // Every live bar that arrived during the outage was decided during it.
      await waitFor(
        'live rows written during the outage',
        5_000,
        async () => (await count(pool, "SELECT count(*)::int AS n FROM forecasts WHERE symbol = 'LIVE'")) === liveBars,
      )
      const pausedGauge = (await metrics.getSingleMetric('forecast_backlog_paused')?.get())?.values[0]?.value
      expect(pausedGauge).toBe(1)
      up = new Date()
      tUp = Date.now()
      await sim.setFaults({ down: false })

      // Recovery: the backlog moves on and the rows decided during the outage are filled in.
      const atRecovery = await rows()
      await waitFor(
        'backlog resumed and late rows filled in',
        40_000,
        async () =>
          (await rows()) >= atRecovery + AFTER_ROWS && (await count(pool, 'SELECT count(*)::int AS n FROM forecast_jobs WHERE reenrich IS NOT NULL')) === 0,
      )
      tEnd = Date.now()
    } catch (err) {
      // What the worker said, to tell a slow machine from a stuck pause.
      const said = logs
        .atLeast(30)
        .filter((l) => l.component !== 'llm' || typeof l.circuit === 'string')
        .map(
          (l) =>
            `${new Date(l.time as number).toISOString()} ${String(l.msg)} ${JSON.stringify({ ...l, msg: undefined, time: undefined, level: undefined, pid: undefined, hostname: undefined })}`,
        )
      throw new Error(`${(err as Error).message}\n${said.slice(-40).join('\n')}`)
    } finally {
      rt.worker.stop()
      await running
      await rt.close()
      await sim.resetFaults()
    }

    const all = (
      await pool.query<{ id: number; symbol: string; asof: Date; created_at: Date; llm: unknown }>(
        "SELECT id, symbol, asof, created_at, features->'llm' AS llm FROM forecasts ORDER BY asof",
      )
    ).rows
    const parsed = all.map((r) => ({ ...r, f: FeaturesLlmSchema.parse(r.llm) as FeaturesLlm }))
    const inOutage = parsed.filter((r) => r.created_at >= down && r.created_at <= up)

    // The backlog waited. Bars answered before Lexi died still drain through the batched writer (at
    // most the writer's window plus the bars in flight); after that not one more SPX row was written
    // until Lexi was back, and none without an answer (late) except bars in flight that failed
    // before the circuit opened. All live bars were decided.
    const timeline = `SPX rows each second of the outage: ${spxDuring.join(',')}`
    expect(spxDuring.length, timeline).toBeGreaterThanOrEqual(15)
    expect(new Set(spxDuring.slice(-5)).size, timeline).toBe(1)
    const answeredBeforeDown = 2 * Math.max(config.FORECAST_CONCURRENCY, config.FORECAST_FLUSH_MAX) + config.FORECAST_CONCURRENCY
    expect((spxDuring.at(-1) ?? 0) - (spxDuring[0] ?? 0), timeline).toBeLessThanOrEqual(answeredBeforeDown)
    const spxInOutage = inOutage.filter((r) => r.symbol === 'SPX' && r.f.late != null)
    expect(spxInOutage.length).toBeLessThanOrEqual(config.FORECAST_CONCURRENCY)
    expect(inOutage.filter((r) => r.symbol === 'LIVE')).toHaveLength(liveBars)
    expect(liveBars).toBeGreaterThanOrEqual(Math.floor(OUTAGE_MS / LIVE_EVERY_MS) - 1)

    // After recovery every row has Lexi's rationale and policy.
    for (const r of parsed) {
      expect(r.f.rationale, `${r.symbol} ${r.asof.toISOString()}`).toMatchObject({ ok: true })
      expect(r.f.policy, `${r.symbol} ${r.asof.toISOString()}`).toMatchObject({ ok: true, valid_json: true })
      expect(r.f.policy.parsed).not.toBeNull()
    }
    // Rows decided during the outage are flagged late, with the original failure kept.
    const late = parsed.filter((r) => r.f.late != null)
    for (const r of inOutage.filter((x) => x.f.late == null))
      expect(r.symbol, 'a row written during the outage without the late flag must have had its answer').toBe('SPX')
    expect(late.filter((r) => r.symbol === 'LIVE')).toHaveLength(liveBars)
    for (const r of late) {
      expect(r.f.late?.trigger).toBe('outage')
      expect(r.f.late?.original.policy.ok).toBe(false)
      // Fail-closed: a proposed order was denied (a row without one records that it had none).
      if (r.f.inputs.order != null) expect(r.f.late?.original.policy.effective).toBe('deny')
      // What happened to the order stays recorded as it was decided; the late decision is policy.parsed.
      expect(r.f.policy.effective).toBe(r.f.late?.original.policy.effective)
      expect(r.f.policy.fail_reason).toBe(r.f.late?.original.policy.fail_reason)
      expect(['unreachable', 'circuit_open']).toContain(r.f.late?.original.policy.fail_reason)
      expect(new Date(r.f.late?.at ?? 0).getTime()).toBeGreaterThanOrEqual(up.getTime())
    }

    // 0 orders from late answers: every order of a late row was decided when the row was written
    // (before the late answer), fail-closed; none is placed afterwards.
    const lateIds = late.map((r) => r.id)
    const lateOrders = (
      await pool.query<{ forecast_id: number; status: string; created_at: Date }>(
        'SELECT forecast_id, status, created_at FROM orders WHERE forecast_id = ANY($1::bigint[])',
        [lateIds],
      )
    ).rows
    for (const o of lateOrders) {
      expect(o.status).toBe('denied')
      const row = late.find((r) => r.id === Number(o.forecast_id))
      expect(o.created_at.getTime()).toBeLessThan(new Date(row?.f.late?.at ?? 0).getTime())
    }
    expect(lateOrders.length).toBe(late.filter((r) => r.f.inputs.order != null).length)
    expect(await count(pool, 'SELECT count(*)::int AS n FROM orders WHERE created_at > $1 AND forecast_id = ANY($2::bigint[])', [up, lateIds])).toBe(0)

    // No bar processed twice: one row per bar, at most one order per forecast, every done job
    // completed on its one counted claim (hand-backs during the outage are `held`, not attempts).
    expect(await count(pool, 'SELECT count(*)::int AS n FROM (SELECT symbol, asof FROM forecasts GROUP BY 1, 2 HAVING count(*) > 1) d')).toBe(0)
    expect(await count(pool, 'SELECT count(*)::int AS n FROM (SELECT forecast_id FROM orders GROUP BY 1 HAVING count(*) > 1) d')).toBe(0)
    expect(await count(pool, "SELECT count(*)::int AS n FROM forecast_jobs WHERE status = 'done' AND attempts <> 1")).toBe(0)
    expect(await count(pool, "SELECT count(*)::int AS n FROM forecast_jobs WHERE status = 'done'")).toBe(parsed.length)
    const heldJobs = await count(pool, 'SELECT count(*)::int AS n FROM forecast_jobs WHERE held > 0')
    expect(heldJobs).toBeGreaterThan(0)
    expect(await count(pool, 'SELECT count(*)::int AS n FROM forecast_jobs WHERE reenriched_at IS NOT NULL')).toBe(late.length)

    // Metrics and logs show the pause and the re-enrichment.
    const value = async (name: string, labels?: Record<string, string>): Promise<number> =>
      (await metrics.getSingleMetric(name)?.get())?.values.find((v) => !labels || Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0
    expect(await value('forecast_backlog_paused')).toBe(0)
    expect(await value('forecast_backlog_pauses_total')).toBeGreaterThanOrEqual(1)
    expect(await value('forecast_backlog_held_total')).toBeGreaterThanOrEqual(heldJobs)
    expect(await value('forecast_reenrich_marked_total')).toBe(late.length)
    expect(await value('forecast_reenrich_total', { outcome: 'filled' })).toBe(late.length)
    expect(await value('forecast_reenrich_pending')).toBe(0)
    const msgs = logs.atLeast(30).map((l) => l.msg)
    expect(msgs).toContain('Lexi unreachable: backlog paused, only live bars are decided (fail-closed) until it answers')
    expect(msgs).toContain('Lexi answers again: backlog resumed')
    expect(msgs).toContain('re-enrichment pass done')

    console.log(
      `outage drill: backlog ${BACKLOG}, outage ${OUTAGE_MS} ms; phases: before ${tDown - t0} ms, outage ${tUp - tDown} ms, recovery ${tEnd - tUp} ms; rows ${parsed.length} (SPX ${parsed.length - liveBars}, LIVE ${liveBars}); ` +
        `during the outage ${inOutage.length} written (SPX fail-closed ${spxInOutage.length}); SPX rows each second of the outage ${spxDuring.join(',')}; held jobs ${heldJobs}; late ${late.length}; late orders ${lateOrders.length} (all denied before the late answer)`,
    )
  },
)
