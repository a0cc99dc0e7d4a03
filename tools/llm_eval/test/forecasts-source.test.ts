import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../test/db'
import { evalRunCommand } from '../src/eval-command'
import { exportDataset } from '../src/export-dataset'
import { readForecastItems } from '../src/forecasts-source'
import { readDataset } from '../src/read-dataset'
import { PROMPTS_FILE, captureContext, readJsonl, tempDir } from './eval-fixtures'

const db = await testDatabase()

const inputs = (day: number) => ({
  symbol: 'SPX',
  asof: `2020-01-${String(day).padStart(2, '0')}T00:00:00.000Z`,
  horizon: 1,
  forecast: { mu: 0.001, sigma: 0.01, p_up: 0.56, q05: -0.015, q95: 0.017 },
  signals: { ret_1: 0.001, ret_5: 0.01, ret_20: 0.02, vol_20: 0.01, rsi_14: 55, zscore_20: 0.3, volume_ratio: 1.1 },
  order: day % 2 === 0 ? { side: 'buy', qty: 2, ref_price: 3200, notional: 6400 } : null,
})

async function insert(day: number, o: { realized?: number | null; features?: unknown } = {}): Promise<void> {
  const i = inputs(day)
  await db.pool.query(
    `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features, realized_return)
     VALUES ($1, $2, 1, 'ewma-rm-1', 0.001, 0.01, 0.56, -0.015, 0.017, $3, $4)`,
    [i.symbol, i.asof, JSON.stringify(o.features ?? { llm: { model: 'Lexi', inputs: i } }), o.realized ?? null],
  )
}

let sim: LexiSim

beforeAll(async () => {
  // Inserted out of order: reads come back oldest first.
  for (const day of [5, 2, 3, 4, 6, 7]) await insert(day, { realized: day === 7 ? null : day / 1000 })
  await insert(8, { features: { llm: { inputs: { symbol: 'SPX' } } } }) // breaks the contract
  await insert(9, { features: { other: true } }) // no LLM features at all
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 2 })
}, 60_000)

afterAll(async () => {
  await sim?.close()
})

describe('forecasts as the replay source', () => {
  test('reads stored features.llm.inputs oldest first with stable ids, leaving out rows that break the contract', async () => {
    const { items, skipped } = await readForecastItems(db.pool)
    expect(items.map((i) => i.id)).toEqual([2, 3, 4, 5, 6, 7].map((d) => `SPX|2020-01-0${d}T00:00:00.000Z|h1|ewma-rm-1`))
    expect(items[0]?.inputs).toEqual(inputs(2))
    expect(items.map((i) => i.realized_return)).toEqual([0.002, 0.003, 0.004, 0.005, 0.006, null])
    expect(skipped).toBe(1)
  })

  test('export-dataset writes only resolved forecasts, which read back as the same items', async () => {
    const file = join(await tempDir(), 'signals.jsonl')
    const r = await exportDataset(db.pool, file)
    expect(r.rows).toBe(5)
    const back = await readDataset(file)
    expect(back.items).toEqual((await readForecastItems(db.pool, { resolvedOnly: true })).items)
    expect(back.fileSha256).toBe(r.sha256)
  })

  test('export-dataset refuses to write fewer rows than --min-rows', async () => {
    const file = join(await tempDir(), 'small.jsonl')
    await expect(exportDataset(db.pool, file, { minRows: 1000 })).rejects.toThrow(
      expect.objectContaining({
        code: 'EVAL_ERR_SOURCE',
        message: expect.stringContaining('only 5 resolved forecasts'),
      }),
    )
  })

  test('a run without --dataset replays the forecasts table through the active rationale and policy', async () => {
    const out = await tempDir()
    const ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, DATABASE_URL: db.url, LLM_TIMEOUT_MS: '10000' })
    const code = await evalRunCommand(['--prompts-file', PROMPTS_FILE, '--out', out, '--run-id', 'from-db'], ctx)
    expect(code, ctx.stderr.join('\n')).toBe(0)
    const records = await readJsonl(join(out, 'from-db', 'records.jsonl'))
    expect(records).toHaveLength(12)
    expect(new Set(records.map((r) => r.arm))).toEqual(new Set(['rationale@1.0.0', 'policy@1.0.0']))
    const manifest = JSON.parse(await readFile(join(out, 'from-db', 'manifest.json'), 'utf8'))
    expect(manifest.dataset).toMatchObject({ source: 'forecasts', file_sha256: null, items: 6, items_with_outcome: 5 })
    expect(manifest.options.skipped_rows).toBe(1)
    const summary = JSON.parse(await readFile(join(out, 'from-db', 'summary.json'), 'utf8'))
    // Policy outcomes count only the items that carry an order and a realized return (days 2, 4, 6).
    const policy = summary.versions['policy@1.0.0'].outcomes.groups
    expect(policy.allow.n + policy.deny.n).toBe(3)
  }, 60_000)
})
