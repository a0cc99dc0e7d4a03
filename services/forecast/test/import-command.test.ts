import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { importBarsFile } from '../src/bars/import-bars'
import { importCommand } from '../src/commands/import-command'
import { BUNDLED_CSV } from '../src/repo-paths'

const db = await testDatabase()
const dir = mkdtempSync(path.join(tmpdir(), 'forecast-import-'))

/** `forecast import <args>` in-process against the test database; stdout and stderr captured. */
async function importCli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await importCommand(args, { env: { DATABASE_URL: db.url, LOG_LEVEL: 'error' }, out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false })
  return { code, out, err }
}
const stored = async (symbol: string): Promise<number> =>
  (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM market_bars WHERE symbol = $1', [symbol])).rows[0]?.n ?? 0
const file = (name: string, text: string): string => {
  const f = path.join(dir, name)
  writeFileSync(f, text)
  return f
}

const R_TIMESERIES = file(
  'r-timeseries.csv',
  [
    '"%Y-%m-%d";"Open";"High";"Low";"Close";"Volume";"Note"',
    '2020-01-02;3244.67;3258.14;3235.53;3257.85;3458250000;x',
    '2020-01-03;3226.36;3246.15;3222.34;3234.85;3461290000;x',
    '2020-01-06;3217.55;3246.84;3214.64;3246.28;3674070000;x',
  ].join('\n'),
)

// Yahoo writes "null" in every field of a day it has no data for.
const YAHOO_WITH_NULLS = file(
  'yahoo-nulls.csv',
  [
    'Date,Open,High,Low,Close,Adj Close,Volume',
    '2020-01-02,74.059998,75.150002,73.797501,75.087502,72.960464,135480400',
    '2020-01-03,74.287498,75.144997,74.125000,74.357498,72.251137,146322800',
    '2020-01-04,null,null,null,null,null,null',
    '2020-01-06,73.447502,74.989998,73.187500,74.949997,72.826843,118387200',
    '2020-01-07,74.959999,75.224998,74.370003,74.597504,72.484337,108872000',
    '2020-01-08,null,null,null,null,null,null',
  ].join('\n'),
)

test('--dry-run prints the detected mapping and the first bars and writes nothing', async () => {
  const { code, out } = await importCli([R_TIMESERIES, '--symbol', 'RTS', '--dry-run'])
  expect(code).toBe(0)
  expect(out).toEqual([
    `dry run of ${R_TIMESERIES}: nothing is written`,
    'separator: ";" (quoted fields allowed)',
    'timestamp: "%Y-%m-%d" (column 1), header is the date format "%Y-%m-%d"',
    'open: "Open" (column 2)',
    'high: "High" (column 3)',
    'low: "Low" (column 4)',
    'close: "Close" (column 5)',
    'volume: "Volume" (column 6)',
    'symbol: RTS (--symbol)',
    'ignored columns: "Note"',
    'rows: 3 data lines, 3 valid, 0 bad, 0 exact duplicate(s) dropped; file order ascending',
    'bars: 2020-01-02T00:00:00.000Z … 2020-01-06T00:00:00.000Z',
    'first 3 bar(s), as they would be stored:',
    '  symbol | ts | open | high | low | close | volume',
    '  RTS | 2020-01-02T00:00:00.000Z | 3244.67 | 3258.14 | 3235.53 | 3257.85 | 3458250000',
    '  RTS | 2020-01-03T00:00:00.000Z | 3226.36 | 3246.15 | 3222.34 | 3234.85 | 3461290000',
    '  RTS | 2020-01-06T00:00:00.000Z | 3217.55 | 3246.84 | 3214.64 | 3246.28 | 3674070000',
  ])
  expect(await stored('RTS')).toBe(0)

  const real = await importCli([R_TIMESERIES, '--symbol', 'RTS'])
  expect(real.code).toBe(0)
  expect(real.out.join('\n')).toMatch(
    /3 rows, 3 valid, 3 inserted, 0 already stored, 0 skipped \(separator ";"\); 0 exact duplicate\(s\) dropped; bars 2020-01-02 … 2020-01-06/,
  )
  expect(await stored('RTS')).toBe(3)
}, 60_000)

test('a bad row is named by its line and nothing is imported; --skip-bad imports the rest and counts the skipped', async () => {
  const refused = await importCli([YAHOO_WITH_NULLS, '--symbol', 'YHOO'])
  expect(refused.code).toBe(1)
  expect(refused.err.join('\n')).toMatch(/2 invalid row\(s\), nothing imported \(use --skip-bad/)
  expect(refused.err.join('\n')).toMatch(/line 4: open "null" is not a number; high "null" is not a number/)
  expect(refused.err.join('\n')).toMatch(/line 7: open "null" is not a number/)
  expect(await stored('YHOO')).toBe(0)

  const dry = await importCli([YAHOO_WITH_NULLS, '--symbol', 'YHOO', '--dry-run'])
  expect(dry.code).toBe(1)
  expect(dry.out).toContain('rows: 6 data lines, 4 valid, 2 bad, 0 exact duplicate(s) dropped; file order ascending')
  expect(dry.out).toContain('adjusted close: "Adj Close" (column 6) ignored (--adjust scales open/high/low/close by it)')

  const skipped = await importCli([YAHOO_WITH_NULLS, '--symbol', 'YHOO', '--skip-bad'])
  expect(skipped.code).toBe(0)
  expect(skipped.err).toEqual([expect.stringMatching(/^skipped line 4: open "null"/), expect.stringMatching(/^skipped line 7: open "null"/)])
  expect(skipped.out.join('\n')).toMatch(
    /6 rows, 4 valid, 4 inserted, 0 already stored, 2 skipped \(separator ","\); 0 exact duplicate\(s\) dropped; bars 2020-01-02 … 2020-01-07/,
  )
  expect(await stored('YHOO')).toBe(4)
}, 60_000)

test('the bundled S&P 500 file still imports whole', async () => {
  const r = await importBarsFile(db.pool, BUNDLED_CSV, { symbol: 'SPXTEST' })
  expect(r).toMatchObject({ rows: 5105, valid: 5105, inserted: 5105, duplicates: 0, problems: [], order: 'ascending', delimiter: ',' })
  expect(r.first?.toISOString()).toBe('2000-01-03T00:00:00.000Z')
  expect(r.last?.toISOString()).toBe('2020-04-17T00:00:00.000Z')
}, 60_000)
