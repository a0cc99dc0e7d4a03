import { readFile } from 'node:fs/promises'
import { withTransaction, type Db } from '@pulsetrade/db'
import { CsvRowsError, type RowProblem } from '../errors'
import { createBarsRepo } from './bars-repo'
import { type ParsedBars, parseBarsCsv } from './parse-bars-csv'

export const DEFAULT_SYMBOL = 'SPX'

export interface ImportOptions {
  symbol?: string
  /** Import the valid rows and report the bad ones instead of refusing the whole file. */
  skipBad?: boolean
  /** Scale OHLC by adjusted close / close; by default an adjusted-close column is ignored. */
  adjust?: boolean
}

export interface ImportReport {
  file: string
  delimiter: string
  /** Data lines read: valid + bad + exact duplicates. */
  rows: number
  valid: number
  inserted: number
  /** Valid rows already stored (same symbol and ts). */
  existing: number
  problems: RowProblem[]
  /** Lines repeating an earlier line exactly; dropped. */
  duplicates: number
  order: ParsedBars['order']
  first: Date | null
  last: Date | null
}

/** Reads and checks a bars CSV without touching the database (what `import --dry-run` shows). */
export async function readBarsFile(file: string, opts: ImportOptions = {}): Promise<ParsedBars> {
  const text = await readFile(file, 'utf8')
  return parseBarsCsv(text, { symbol: opts.symbol, defaultSymbol: DEFAULT_SYMBOL, adjust: opts.adjust })
}

/**
 * Loads a CSV of OHLCV bars into market_bars in one transaction. Any bad row aborts the import
 * (CsvRowsError lists them by line) unless skipBad. Re-importing the same file inserts nothing.
 */
export async function importBarsFile(db: Db, file: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const parsed = await readBarsFile(file, opts)
  if (parsed.problems.length > 0 && !opts.skipBad) throw new CsvRowsError(parsed.problems)
  const inserted = await withTransaction(db, (client) => createBarsRepo(client).insert(parsed.rows))
  return {
    file,
    delimiter: parsed.delimiter,
    rows: parsed.rows.length + parsed.problems.length + parsed.duplicates.length,
    valid: parsed.rows.length,
    inserted,
    existing: parsed.rows.length - inserted,
    problems: parsed.problems,
    duplicates: parsed.duplicates.length,
    order: parsed.order,
    first: parsed.rows[0]?.ts ?? null,
    last: parsed.rows.at(-1)?.ts ?? null,
  }
}
