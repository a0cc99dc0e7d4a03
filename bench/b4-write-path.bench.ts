/**
 * B4 write path: forecast rows/s stored through the forecast service's repository
 * (`insertMany`: unnest, ON CONFLICT DO NOTHING, ids of new and existing rows) vs a raw multi-row
 * `INSERT ... VALUES` of the same rows, both in batches of FORECAST_FLUSH_MAX rows (the writer's
 * batch), one statement per batch, into an emptied table, in alternating rounds.
 * ratio = repository rows/s / raw rows/s.
 *
 *   npx tsx bench/b4-write-path.bench.ts [--rows 5000] [--rounds 3] [--batch <FORECAST_FLUSH_MAX>]
 *
 * Postgres: a scratch database on DATABASE_URL's server, else on the embedded Postgres; dropped at the end.
 * Last line: `b4-write-path ratio=X` (target >= 1.0).
 */
import { parseArgs } from 'node:util'
import type { Db } from '@pulsetrade/db'
import { loadConfig } from '@pulsetrade/forecast/config'
import { createForecastsRepo, type ForecastRow } from '@pulsetrade/forecast/repository'
import { reportBench, round } from './kit/bench-report'
import { machineInfo } from './kit/machine'
import { sampleForecastRows } from './kit/sample-forecast-rows'
import { createScratchDatabase } from './kit/scratch-database'

const { values } = parseArgs({ options: { rows: { type: 'string' }, rounds: { type: 'string' }, batch: { type: 'string' } } })
const rowCount = Number(values.rows ?? 5000)
const rounds = Number(values.rounds ?? 3)
const batch = Number(values.batch ?? loadConfig({}).FORECAST_FLUSH_MAX)

const COLUMNS = ['symbol', 'asof', 'horizon', 'model_version', 'mu', 'sigma', 'p_up', 'q05', 'q95', 'features'] as const

/** The baseline: one plain multi-row INSERT per batch, no conflict handling, nothing returned. */
async function rawInsert(db: Db, rows: ForecastRow[]): Promise<void> {
  const params: unknown[] = []
  const tuples = rows.map((r) => {
    const base = params.length
    params.push(r.symbol, r.asof, r.horizon, r.model_version, r.mu, r.sigma, r.p_up, r.q05, r.q95, JSON.stringify(r.features))
    return `(${COLUMNS.map((_, j) => `$${base + j + 1}`).join(', ')})`
  })
  await db.query(`INSERT INTO forecasts (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params)
}

const machine = machineInfo()
const db = await createScratchDatabase(process.env.DATABASE_URL, 4)
try {
  const rows = sampleForecastRows(rowCount)
  const repo = createForecastsRepo(db.pool)
  const sides = [
    {
      name: 'repository insertMany',
      write: async (part: ForecastRow[]) => {
        await repo.insertMany(part)
      },
      rows: 0,
      seconds: 0,
      perRound: [] as number[],
    },
    { name: 'raw multi-row INSERT', write: (part: ForecastRow[]) => rawInsert(db.pool, part), rows: 0, seconds: 0, perRound: [] as number[] },
  ]
  const runSide = async (side: (typeof sides)[number], record: boolean): Promise<void> => {
    await db.pool.query('TRUNCATE forecasts CASCADE')
    await db.pool.query('VACUUM ANALYZE forecasts')
    const t0 = performance.now()
    for (let i = 0; i < rows.length; i += batch) await side.write(rows.slice(i, i + batch))
    const seconds = (performance.now() - t0) / 1000
    const stored = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM forecasts')).rows[0]?.n
    if (stored !== rows.length) throw new Error(`${side.name} stored ${stored} of ${rows.length} rows`)
    if (!record) return
    side.rows += rows.length
    side.seconds += seconds
    side.perRound.push(Math.round(rows.length / seconds))
  }
  for (const side of sides) await runSide(side, false) // warm-up: caches, plans, JIT
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? sides : [...sides].reverse()) await runSide(side, true)
  }
  const rate = (s: (typeof sides)[number]): number => s.rows / s.seconds
  const [repoSide, rawSide] = sides as [(typeof sides)[number], (typeof sides)[number]]
  const bytes = Buffer.byteLength(JSON.stringify(rows[0]?.features))
  await reportBench(
    {
      name: 'b4-write-path',
      ratio: rate(repoSide) / rate(rawSide),
      target: 1.0,
      better: 'higher',
      params: { rows: rowCount, rounds, batch, features_bytes: bytes, database: db.server },
      rows: sides.map((s) => ({
        path: s.name,
        rows: s.rows,
        'rows/s': Math.round(rate(s)),
        'rows/s per round': s.perRound.join(' / '),
        'ms per batch': round((1000 * s.seconds) / Math.ceil(s.rows / batch), 1),
      })),
      notes: [
        `${rounds} alternating rounds of ${rowCount} rows in batches of ${batch} (features.llm ≈ ${bytes} bytes of JSON per row), table emptied before each round`,
      ],
    },
    machine,
  )
} finally {
  await db.drop()
}
