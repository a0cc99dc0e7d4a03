import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { spawnForecast, within } from './forecast-harness'

const db = await testDatabase()
const env = { DATABASE_URL: db.url, LOG_LEVEL: 'error' }
const dir = mkdtempSync(path.join(tmpdir(), 'forecast-cli-'))

const run = async (args: string[]): Promise<{ code: number | string; out: string }> => {
  const p = spawnForecast(args, env)
  const code = await within(120_000, `forecast ${args.join(' ')}`, p.exited)
  return { code, out: p.output() }
}
const stored = async (symbol: string): Promise<number> =>
  (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM market_bars WHERE symbol = $1', [symbol])).rows[0]?.n ?? 0

test('import refuses a file with a bad row (naming its line), imports the rest with --skip-bad, and is idempotent', async () => {
  const file = path.join(dir, 'bad.csv')
  writeFileSync(file, 'Date;"Adj Close";Open;High;Low;Close;Volume\n2020-01-02;10;10;11;9;10;5\n2020-01-03;10;10;x;9;10;5\n2020-01-06;11;10;12;9;11;5\n')
  const refused = await run(['import', file, '--symbol', 'ACME'])
  expect(refused.code).toBe(1)
  expect(refused.out).toMatch(/1 invalid row\(s\), nothing imported/)
  expect(refused.out).toMatch(/line 3: high "x" is not a number/)
  expect(await stored('ACME')).toBe(0)

  const skipped = await run(['import', file, '--symbol', 'ACME', '--skip-bad'])
  expect(skipped.code).toBe(0)
  expect(skipped.out).toMatch(/3 rows, 2 valid, 2 inserted, 0 already stored, 1 skipped \(separator ";"\)/)
  expect(await stored('ACME')).toBe(2)

  const again = await run(['import', file, '--symbol', 'ACME', '--skip-bad'])
  expect(again.out).toMatch(/2 valid, 0 inserted, 2 already stored/)
}, 300_000)

test('backtest prints the metrics table of every model against the random walk for the bundled data', async () => {
  expect((await run(['import', 'data/sp500-daily-2000-2020.csv'])).code).toBe(0)
  const { code, out } = await run(['backtest'])
  expect(code, out).toBe(0)
  expect(out).toMatch(/walk-forward backtest: SPX, horizon 1 bar\(s\), forecasts 2000-03-29 … 2020-04-16/)
  expect(out).toMatch(
    /\| model \| version\s+\| n\s+\| hit rate \| 95% CI \(Wilson\)\s+\| MAE\s+\| MAE \/ RW \| Brier\s+\| Brier skill vs RW \| 90% coverage \|/,
  )
  for (const [model, version] of [
    ['rw', 'rw-1'],
    ['ewma', 'ewma-rm-1'],
    ['ar1', 'ar1-250-1'],
  ]) {
    expect(out).toMatch(new RegExp(`\\| ${model}\\s+\\| ${version}\\s+\\| 5044 \\| \\d+\\.\\d\\d%\\s+\\| \\d+\\.\\d\\d% – \\d+\\.\\d\\d% \\|`))
  }
  expect(out).toMatch(/\| rw\s+\| rw-1\s+\| 5044 \| 53\.49% /) // share of up days: the random walk always says "up"
}, 300_000)

test('unknown commands print the usage and exit 2', async () => {
  const { code, out } = await run(['frobnicate'])
  expect(code).toBe(2)
  expect(out).toMatch(/unknown command "frobnicate"/)
  expect(out).toMatch(/forecast run \[--once\]/)
}, 60_000)
