import { readFile } from 'node:fs/promises'
import { withTransaction, type Db } from '@pulsetrade/db'
import { CsvRowsError, type RowProblem } from '../errors'
import { createBarsRepo } from './bars-repo'
import { parseBarsCsv } from './parse-bars-csv'

export const DEFAULT_SYMBOL = 'SPX'

export interface ImportOptions {
  symbol?: string
  /** Import the valid rows and report the bad ones instead of refusing the whole file. */
  skipBad?: boolean
}

export interface ImportReport {
  file: string
  delimiter: string
  rows: number
  valid: number
  inserted: number
  /** Valid rows already stored (same symbol and ts). */
  existing: number
  problems: RowProblem[]
}

/**
 * Loads a CSV of OHLCV bars into market_bars in one transaction. Any bad row aborts the import
 * (CsvRowsError lists them by line) unless skipBad. Re-importing the same file inserts nothing.
 */
export async function importBarsFile (db: Db, file: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const text = await readFile(file, 'utf8')
  const parsed = parseBarsCsv(text, { symbol: opts.symbol, defaultSymbol: DEFAULT_SYMBOL })
  if (parsed.problems.length > 0 && !opts.skipBad) throw new CsvRowsError(parsed.problems)
  const inserted = await withTransaction(db, (client) => createBarsRepo(client).insert(parsed.rows))
  return {
    file,
    delimiter: parsed.delimiter,
    rows: parsed.rows.length + parsed.problems.length,
    valid: parsed.rows.length,
    inserted,
    existing: parsed.rows.length - inserted,
    problems: parsed.problems,
  }
}
