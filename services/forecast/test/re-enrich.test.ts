import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { FeaturesLlmSchema, type FeaturesLlm } from '@pulsetrade/llm'
import type { Db } from '@pulsetrade/db'
import { testDatabase } from '../../../test/db'
import type { CliContext } from '../src/commands/cli-context'
import { reenrichCommand } from '../src/commands/reenrich-command'
import { loadBundledBars, runOnceInProcess, spawnForecast, within, workerEnv } from './forecast-harness'

let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
})
afterAll(async () => {
  await sim?.close()
})

const rows = async (db: Db): Promise<Array<{ id: number; asof: Date; f: FeaturesLlm }>> =>
  (await db.query<{ id: number; asof: Date; llm: unknown }>("SELECT id, asof, features->'llm' AS llm FROM forecasts ORDER BY asof")).rows.map((r) => ({
    id: Number(r.id),
    asof: r.asof,
    f: FeaturesLlmSchema.parse(r.llm),
  }))

const orders = async (db: Db): Promise<unknown[]> => (await db.query('SELECT id, forecast_id, status, qty, gate, updated_at FROM orders ORDER BY id')).rows

/** `forecast re-enrich` in process: exit code and stdout lines (usage errors throw, cli.ts makes them exit 2). */
async function reenrich(env: Record<string, string>, args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = []
  const ctx: CliContext = { env, out: (l) => lines.push(l), err: (l) => lines.push(l), isTTY: false }
  const code = await reenrichCommand(args, ctx)
  return { code, out: lines.join('\n') }
}

describe('forecast re-enrich', () => {
  const db = testDatabase()

  test('fills in the rows written while Lexi was down, late and with the failure kept, places no order, and never fills a row twice', async () => {
    const { pool, url } = await db
    const env = workerEnv(url, sim.url, { FORECAST_OUTAGE_PAUSE: '0' })
    await loadBundledBars(pool, 100)
    await sim.setFaults({ down: true })
    try {
      await runOnceInProcess(pool, env)
      // Written fail-closed and marked by the worker.
      const written = await rows(pool)
      expect(written).toHaveLength(40)
      expect(written.filter((r) => r.f.policy.ok || r.f.late)).toEqual([])
      expect((await pool.query("SELECT count(*)::int AS n FROM forecast_jobs WHERE reenrich = 'unreachable'")).rows[0].n).toBe(40)
      // Half of them lose the worker's mark: only the command's filter finds those.
      await pool.query('UPDATE forecast_jobs SET reenrich = NULL WHERE asof < (SELECT asof FROM forecasts ORDER BY asof OFFSET 20 LIMIT 1)')

      // Still down: nothing is filled, and the exit code says rows are left.
      const stillDown = await reenrich(env, [])
      expect(stillDown.code, stillDown.out).toBe(1)
      expect(stillDown.out).toMatch(/40 row\(s\) without Lexi's answer match \(unreachable 40\)/)
      expect(stillDown.out).toMatch(/0 filled \(late\).*Lexi unreachable: unreachable/)
      expect((await rows(pool)).filter((r) => r.f.late)).toEqual([])
    } finally {
      await sim.setFaults({ down: false })
    }
    const before = await orders(pool)
    expect(before.length).toBeGreaterThan(0)

    await expect(reenrich(env, ['--since', 'yesterday-ish'])).rejects.toThrow(/--since: not a date/)
    await expect(reenrich(env, ['--fail-reason', 'unreachable,bogus'])).rejects.toThrow(/--fail-reason: unknown reason "bogus"/)
    const dry = await reenrich(env, ['--dry-run', '--fail-reason', 'timeout'])
    expect(dry).toMatchObject({ code: 0 })
    expect(dry.out).toMatch(/^re-enrich: 0 row\(s\)/)

    const run = await reenrich(env, ['--since', '2000-01-01', '--fail-reason', 'unreachable'])
    expect(run.code, run.out).toBe(0)
    expect(run.out).toMatch(/40 filled \(late\), 0 had nothing to fill, 0 left, 0 given up; no order placed/)
    const after = await rows(pool)
    expect(after).toHaveLength(40)
    for (const [i, r] of after.entries()) {
      expect(r.f.rationale.ok && r.f.policy.ok).toBe(true)
      expect(r.f.late?.original.policy).toMatchObject({ ok: false, fail_reason: 'unreachable' })
      expect(r.f.late?.original.rationale.ok).toBe(false)
      // The gate fields still say what happened to the order when the row was written.
      expect(r.f.policy).toMatchObject({ effective: r.f.late?.original.policy.effective, fail_reason: 'unreachable', would: r.f.late?.original.policy.would })
      expect(r.f.policy.parsed?.decision).toMatch(/^(allow|deny)$/)
      // The worker's mark says outage; rows only the command found say manual.
      expect(r.f.late?.trigger).toBe(i < 20 ? 'manual' : 'outage')
    }
    // No order from a late answer: the orders are exactly those placed (denied) when the rows were written.
    expect(await orders(pool)).toEqual(before)

    // A second run finds nothing: a late row is never filled again.
    const again = await reenrich(env, [])
    expect(again.code).toBe(0)
    expect(again.out).toMatch(/^re-enrich: 0 row\(s\)/)
    expect(await rows(pool)).toEqual(after)
  }, 120_000)

  test('the CLI exits 2 on a bad option and names it', async () => {
    const { url } = await db
    const w = spawnForecast(['re-enrich', '--since', 'soon'], workerEnv(url, sim.url))
    expect(await within(60_000, 're-enrich', w.exited)).toBe(2)
    expect(w.output()).toMatch(/--since: not a date or time: "soon"/)
  }, 90_000)
})

describe('no order from a late answer', () => {
  const db = testDatabase()

  test('a job resumed after its row was filled in late places no order', async () => {
    const { pool, url } = await db
    const env = workerEnv(url, sim.url)
    await loadBundledBars(pool, 80)
    await runOnceInProcess(pool, env)
    // A row with a proposed order whose order is gone (a crash between the row and its order)
    // and whose features were meanwhile filled in late; its job pending again.
    const target = (await rows(pool)).find((r) => r.f.inputs.order != null)
    expect(target).toBeDefined()
    const id = target?.id as number
    const f = target?.f as FeaturesLlm
    const late: FeaturesLlm = { ...f, late: { at: new Date().toISOString(), trigger: 'manual', original: { rationale: f.rationale, policy: f.policy } } }
    await pool.query('DELETE FROM orders WHERE forecast_id = $1', [id])
    await pool.query("UPDATE forecasts SET features = jsonb_set(features, '{llm}', $2::jsonb) WHERE id = $1", [id, JSON.stringify(late)])
    await pool.query(
      "UPDATE forecast_jobs SET status = 'pending', attempts = 0, finished_at = NULL FROM forecasts f WHERE f.id = $1 AND (forecast_jobs.symbol, forecast_jobs.asof) = (f.symbol, f.asof)",
      [id],
    )
    const s = await runOnceInProcess(pool, env)
    expect(s.done).toBe(1)
    expect((await pool.query('SELECT count(*)::int AS n FROM orders WHERE forecast_id = $1', [id])).rows[0].n).toBe(0)
  }, 120_000)
})
