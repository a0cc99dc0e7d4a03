import { parse } from 'csv-parse/sync'
import { CsvFormatError, type RowProblem } from '../errors'
import type { BarRow } from './bar'
import { parseTimestamp } from './parse-timestamp'

type Field = 'ts' | 'open' | 'high' | 'low' | 'close' | 'adjclose' | 'volume' | 'symbol'

/** Header names (lower-cased, spaces, dashes and underscores removed) and the field each means. */
const ALIASES: Record<string, Field> = {
  date: 'ts', ts: 'ts', timestamp: 'ts', time: 'ts', datetime: 'ts',
  open: 'open', o: 'open',
  high: 'high', h: 'high',
  low: 'low', l: 'low',
  close: 'close', c: 'close',
  adjclose: 'adjclose', adjustedclose: 'adjclose',
  volume: 'volume', vol: 'volume', v: 'volume',
  symbol: 'symbol', ticker: 'symbol',
}

const normaliseHeader = (h: string): string => h.trim().toLowerCase().replace(/[\s_\-.]+/g, '')

/** `;` when the header line has more semicolons than commas outside quotes, else `,`. */
export function detectDelimiter (text: string): ',' | ';' {
  const firstLine = text.slice(0, Math.max(0, text.search(/\r?\n/)) || text.length)
  const unquoted = firstLine.replace(/"[^"]*"/g, '')
  const count = (ch: string): number => unquoted.split(ch).length - 1
  return count(';') > count(',') ? ';' : ','
}

export interface ParsedBars {
  rows: BarRow[]
  problems: RowProblem[]
  delimiter: ',' | ';'
  /** Which header was read as which field. */
  columns: Partial<Record<Field, string>>
}

export interface ParseOptions {
  /** Symbol for every row; overrides a symbol column. */
  symbol?: string
  /** Symbol when there is neither --symbol nor a symbol column. */
  defaultSymbol: string
}

/**
 * Parses an OHLCV CSV: header aliases, `,` or `;`, quoted headers and fields, ISO dates or epoch
 * timestamps. Every row is validated; bad rows come back in `problems` with their 1-based line.
 * When both close and adjusted close are present, open/high/low/close are scaled by adj/close so
 * returns include splits and dividends.
 */
export function parseBarsCsv (text: string, opts: ParseOptions): ParsedBars {
  const delimiter = detectDelimiter(text)
  let records: Array<{ record: string[], info: { lines: number } }>
  try {
    // With `info: true` each record comes as { record, info }; the overloads do not express that.
    records = parse(text, { delimiter, bom: true, info: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as unknown as typeof records
  } catch (err) {
    throw new CsvFormatError(`cannot parse CSV: ${(err as Error).message}`, { cause: err })
  }
  const header = records[0]
  if (!header) throw new CsvFormatError('the file is empty (no header line)')
  const index: Partial<Record<Field, number>> = {}
  const columns: Partial<Record<Field, string>> = {}
  header.record.forEach((name, i) => {
    const field = ALIASES[normaliseHeader(name)]
    if (field && index[field] === undefined) { index[field] = i; columns[field] = name }
  })
  if (index.close === undefined && index.adjclose !== undefined) { index.close = index.adjclose; columns.close = columns.adjclose }
  const missing = (['ts', 'open', 'high', 'low', 'close'] as const).filter((f) => index[f] === undefined)
  if (missing.length > 0) {
    throw new CsvFormatError(`missing column(s) ${missing.join(', ')} in header "${header.record.join(delimiter)}" (separator "${delimiter}")`)
  }

  const rows: BarRow[] = []
  const problems: RowProblem[] = []
  const seen = new Map<string, number>()
  for (const { record, info } of records.slice(1)) {
    const line = info.lines
    if (record.length !== header.record.length) {
      problems.push({ line, message: `expected ${header.record.length} fields, got ${record.length}` })
      continue
    }
    const cell = (f: Field): string | undefined => index[f] === undefined ? undefined : record[index[f]]
    const errs: string[] = []
    const num = (f: Field, { optional = false } = {}): number => {
      const raw = cell(f)
      if (raw === undefined || raw === '') {
        if (!optional) errs.push(`${f} is empty`)
        return 0
      }
      const v = Number(raw)
      if (!Number.isFinite(v)) errs.push(`${f} "${raw}" is not a number`)
      return v
    }
    const ts = parseTimestamp(cell('ts') ?? '')
    if (ts === null) errs.push(`date "${cell('ts') ?? ''}" is neither an ISO date nor an epoch timestamp`)
    let open = num('open'); let high = num('high'); let low = num('low'); let close = num('close')
    const volume = num('volume', { optional: true })
    const symbol = (opts.symbol ?? cell('symbol') ?? '').trim() || opts.defaultSymbol
    if (errs.length === 0) {
      if (open <= 0 || high <= 0 || low <= 0 || close <= 0) errs.push('prices must be positive')
      if (high < Math.max(open, close, low)) errs.push(`high ${high} is below open/close/low`)
      if (low > Math.min(open, close)) errs.push(`low ${low} is above open/close`)
      if (volume < 0) errs.push(`volume ${volume} is negative`)
    }
    if (errs.length === 0 && index.adjclose !== undefined && index.adjclose !== index.close) {
      const adj = num('adjclose')
      if (!(adj > 0)) errs.push('adjclose must be positive')
      else if (adj !== close) {
        const k = adj / close
        open *= k; high *= k; low *= k; close = adj
      }
    }
    if (errs.length === 0 && ts !== null) {
      const key = `${symbol}|${ts.toISOString()}`
      const first = seen.get(key)
      if (first !== undefined) errs.push(`duplicate of line ${first} (${symbol} ${ts.toISOString()})`)
      else seen.set(key, line)
    }
    if (errs.length > 0 || ts === null) {
      problems.push({ line, message: errs.join('; ') })
      continue
    }
    rows.push({ symbol, ts, open, high, low, close, volume })
  }
  return { rows, problems, delimiter, columns }
}
