import { parse } from 'csv-parse/sync'
import { CsvFormatError, type RowProblem } from '../errors'
import type { BarRow } from './bar'
import { type BarsLayout, type Delimiter, detectDelimiter, detectLayout, type Field } from './detect-layout'
import { readTimeOfDay, readTimestamp } from './parse-timestamp'

export { detectDelimiter, type Delimiter } from './detect-layout'

export interface ParsedBars {
  /** Valid bars, ascending by ts (then symbol), whatever the file's order. */
  rows: BarRow[]
  problems: RowProblem[]
  /** Lines that repeat an earlier line exactly (same symbol and ts, same fields): dropped, not bad. */
  duplicates: Array<{ line: number; of: number }>
  delimiter: Delimiter
  /** Which header was read as which field. */
  columns: Partial<Record<Field, string>>
  layout: BarsLayout
  /** Order of the valid rows in the file. */
  order: 'ascending' | 'descending' | 'unordered'
}

export interface ParseOptions {
  /** Symbol for every row; overrides a symbol column. */
  symbol?: string
  /** Symbol when there is neither --symbol nor a symbol column. */
  defaultSymbol: string
  /** Scale open/high/low/close by adjusted close / close (split- and dividend-adjusted bars). Default: the adjusted close is ignored. */
  adjust?: boolean
}

/**
 * With a `;`, tab or `|` separator a comma is the decimal mark (1.234,5 → 1234.5); with `,`, a quoted
 * 1,234.5 has thousands separators (→ 1234.5).
 */
function readNumber(raw: string, decimalComma: boolean): number {
  let s = raw.replace(/[\s\u00a0]/g, '')
  if (decimalComma && /^-?(\d{1,3}(\.\d{3})+|\d+),\d+$/.test(s)) s = s.replace(/\./g, '').replace(',', '.')
  else if (!decimalComma && /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '')
  return s === '' ? NaN : Number(s)
}

/**
 * Parses an OHLCV CSV as users bring it (Yahoo, Stooq, R, pandas, brokers): the separator, the
 * timestamp column and the OHLCV columns are detected (detect-layout.ts), csv-parse does the
 * quoting. Every row is validated; bad rows come back in `problems` with their 1-based line.
 */
export function parseBarsCsv(text: string, opts: ParseOptions): ParsedBars {
  // Excel's `sep=;` first line names the separator.
  const sepLine = /^\uFEFF?sep=(.)\r?\n/i.exec(text)
  const delimiter = (sepLine?.[1] as Delimiter | undefined) ?? detectDelimiter(text)
  let records: Array<{ record: string[]; info: { lines: number } }>
  try {
    // With `info: true` each record comes as { record, info }; the overloads do not express that.
    records = parse(text, {
      delimiter,
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      from_line: sepLine ? 2 : 1,
    }) as unknown as typeof records
  } catch (err) {
    throw new CsvFormatError(`cannot parse CSV: ${(err as Error).message}`, { cause: err })
  }
  const header = records[0]
  if (!header) throw new CsvFormatError('the file is empty (no header line)')
  const width = header.record.length
  const layout = detectLayout(
    header.record,
    records
      .slice(1, 51)
      .filter((r) => r.record.length === width)
      .map((r) => r.record),
    delimiter,
  )
  const index = Object.fromEntries(Object.entries(layout.columns).map(([f, c]) => [f, c.index])) as Partial<Record<Field, number>>
  const decimalComma = delimiter !== ','

  const rows: BarRow[] = []
  const problems: RowProblem[] = []
  const duplicates: ParsedBars['duplicates'] = []
  const seen = new Map<string, { line: number; record: string }>()
  for (const { record, info } of records.slice(1)) {
    const line = info.lines
    if (record.length !== width) {
      problems.push({ line, message: `expected ${width} fields, got ${record.length}` })
      continue
    }
    const cell = (f: Field): string | undefined => (index[f] === undefined ? undefined : record[index[f]])
    const errs: string[] = []
    const num = (f: Field, { optional = false } = {}): number => {
      const raw = cell(f)
      if (raw === undefined || raw === '') {
        if (!optional) errs.push(`${f} is empty`)
        return 0
      }
      const v = readNumber(raw, decimalComma)
      if (!Number.isFinite(v)) errs.push(`${f} "${raw}" is not a number`)
      return v
    }
    const rawTs = cell('ts') ?? ''
    let ms = layout.dateFormat !== null ? layout.dateFormat.parse(rawTs) : (readTimestamp(rawTs)?.ms ?? null)
    if (ms !== null && layout.time !== null) {
      const tod = readTimeOfDay(record[layout.time.index] ?? '')
      if (tod === null) errs.push(`time "${record[layout.time.index] ?? ''}" is not HH:MM[:SS] or HHMMSS`)
      else ms += tod
    }
    if (ms === null) {
      errs.push(
        layout.dateFormat !== null
          ? `date "${rawTs}" does not match the header's format "${layout.dateFormat.format}"`
          : `date "${rawTs}" is not a date this importer reads (ISO 8601 with or without time and offset, YYYYMMDD, epoch s/ms/µs/ns)`,
      )
    }
    let open = num('open')
    let high = num('high')
    let low = num('low')
    let close = num('close')
    const volume = num('volume', { optional: true })
    const symbol = (opts.symbol ?? cell('symbol') ?? '').trim() || opts.defaultSymbol
    if (errs.length === 0) {
      if (open <= 0 || high <= 0 || low <= 0 || close <= 0) errs.push('prices must be positive')
      if (high < Math.max(open, close, low)) errs.push(`high ${high} is below open/close/low`)
      if (low > Math.min(open, close)) errs.push(`low ${low} is above open/close`)
      if (volume < 0) errs.push(`volume ${volume} is negative`)
    }
    if (errs.length === 0 && opts.adjust === true && index.adjclose !== undefined && index.adjclose !== index.close) {
      const adj = num('adjclose')
      if (!(adj > 0)) errs.push('adjclose must be positive')
      else if (adj !== close) {
        const k = adj / close
        open *= k
        high *= k
        low *= k
        close = adj
      }
    }
    if (errs.length > 0 || ms === null) {
      problems.push({ line, message: errs.join('; ') })
      continue
    }
    const ts = new Date(ms)
    const key = `${symbol}|${ms}`
    const whole = record.join('\u0000')
    const first = seen.get(key)
    if (first !== undefined) {
      if (first.record === whole) duplicates.push({ line, of: first.line })
      else problems.push({ line, message: `duplicate of line ${first.line} (${symbol} ${ts.toISOString()}) with different values` })
      continue
    }
    seen.set(key, { line, record: whole })
    rows.push({ symbol, ts, open, high, low, close, volume })
  }
  const order = fileOrder(rows)
  rows.sort((a, b) => a.ts.getTime() - b.ts.getTime() || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
  const columns = Object.fromEntries(Object.entries(layout.columns).map(([f, c]) => [f, c.name])) as Partial<Record<Field, string>>
  return { rows, problems, duplicates, delimiter, columns, layout, order }
}

function fileOrder(rows: BarRow[]): ParsedBars['order'] {
  let up = 0
  let down = 0
  for (let i = 1; i < rows.length; i++) {
    const d = (rows[i] as BarRow).ts.getTime() - (rows[i - 1] as BarRow).ts.getTime()
    if (d > 0) up++
    else if (d < 0) down++
  }
  return down === 0 ? 'ascending' : up === 0 ? 'descending' : 'unordered'
}
