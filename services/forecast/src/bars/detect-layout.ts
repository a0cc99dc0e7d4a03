import { parse } from 'csv-parse/sync'
import { CsvFormatError } from '../errors'
import { compileDateFormat, type DateFormat, isDateFormat } from './date-format'
import { readTimeOfDay, readTimestamp, type TimestampKind } from './parse-timestamp'

export type Delimiter = ',' | ';' | '\t' | '|'
export type Field = 'ts' | 'open' | 'high' | 'low' | 'close' | 'adjclose' | 'volume' | 'symbol'
const DELIMITERS: readonly Delimiter[] = [',', ';', '\t', '|']

/** Header names (lower-cased; spaces, `_`, `-`, `.`, `<>` and quotes removed) and the field each means. */
const ALIASES: Record<string, Field> = {
  datetime: 'ts',
  timestamp: 'ts',
  ts: 'ts',
  date: 'ts',
  time: 'ts',
  index: 'ts',
  opentime: 'ts',
  open: 'open',
  o: 'open',
  high: 'high',
  h: 'high',
  low: 'low',
  l: 'low',
  close: 'close',
  c: 'close',
  last: 'close',
  adjclose: 'adjclose',
  adjustedclose: 'adjclose',
  adjusted: 'adjclose',
  volume: 'volume',
  vol: 'volume',
  v: 'volume',
  symbol: 'symbol',
  ticker: 'symbol',
}
/** Which name wins when several columns could be the timestamp. */
const TS_NAMES = ['datetime', 'timestamp', 'ts', 'date', 'opentime', 'time', 'index']
const SAMPLE = 50

export const normaliseHeader = (h: string): string =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s_\-.<>"']+/g, '')
/** `SPY.Open` (quantmod / R xts) → `open`: the part after the last dot, when the whole name means nothing. */
const fieldOf = (h: string): Field | undefined => ALIASES[normaliseHeader(h)] ?? ALIASES[normaliseHeader(h.slice(h.lastIndexOf('.') + 1))]

type Rows = string[][]
const tryParse = (text: string, delimiter: Delimiter, toLine: number): Rows | null => {
  try {
    return parse(text, { delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, to_line: toLine }) as Rows
  } catch {
    return null
  }
}

/**
 * The separator among `,` `;` tab `|`: the one that splits the first lines (quotes respected, by
 * csv-parse) into the same number (≥ 2) of fields on most lines, then into the most fields.
 */
export function detectDelimiter(text: string, toLine = SAMPLE): Delimiter {
  let best: { d: Delimiter; consistency: number; width: number } | null = null
  for (const d of DELIMITERS) {
    const rows = tryParse(text, d, toLine)
    const width = rows?.[0]?.length ?? 0
    if (rows === null || width < 2) continue
    const consistency = rows.filter((r) => r.length === width).length / rows.length
    if (best === null || consistency > best.consistency || (consistency === best.consistency && width > best.width)) best = { d, consistency, width }
  }
  return best?.d ?? ','
}

export interface Column {
  index: number
  name: string
}
export interface BarsLayout {
  /** Which header was read as which field. */
  columns: Partial<Record<Field, Column>>
  /** A separate time-of-day column joined to a date-only timestamp column (Stooq, MetaTrader). */
  time: Column | null
  /** The header's own date format (R timeSeries writes it as the first header), else null. */
  dateFormat: DateFormat | null
  /** How the first sampled timestamps are written (null with a header format). */
  tsKind: TimestampKind | null
  /** How the timestamp column was found. */
  tsFoundBy: 'name' | 'header format' | 'content'
  /** Columns read as nothing (shown by --dry-run). */
  ignored: string[]
}

/** True when at least `share` of the sampled values pass (a few bad rows must not hide the column; they are reported by line). */
const reads = (values: string[], ok: (v: string) => boolean, share: number): boolean => values.length > 0 && values.filter(ok).length >= share * values.length

/** Maps the header to fields: names first, then (for the timestamp) a date-format header, then content. */
export function detectLayout(header: string[], sample: Rows, delimiter: string): BarsLayout {
  const columns: Partial<Record<Field, Column>> = {}
  const candidates: Array<Column & { rank: number }> = []
  header.forEach((name, index) => {
    const field = fieldOf(name)
    if (field === 'ts') candidates.push({ index, name, rank: TS_NAMES.indexOf(normaliseHeader(name)) })
    else if (field !== undefined && columns[field] === undefined) columns[field] = { index, name }
  })
  const valuesOf = (i: number): string[] => sample.map((r) => r[i] ?? '').filter((v) => v !== '')
  let dateFormat: DateFormat | null = null
  let tsFoundBy: BarsLayout['tsFoundBy'] = 'name'
  const formatIndex = header.findIndex((h) => isDateFormat(h))
  if (formatIndex >= 0 && !Object.values(columns).some((c) => c.index === formatIndex)) {
    dateFormat = compileDateFormat(header[formatIndex] as string)
    columns.ts = { index: formatIndex, name: header[formatIndex] as string }
    tsFoundBy = 'header format'
  } else {
    for (const c of candidates.sort((a, b) => a.rank - b.rank)) {
      if (reads(valuesOf(c.index), (v) => readTimestamp(v) !== null, 0.5)) {
        columns.ts = { index: c.index, name: c.name }
        break
      }
    }
    if (columns.ts === undefined && candidates.length > 0 && sample.length === 0) columns.ts = candidates[0]
  }
  if (columns.ts === undefined) {
    const taken = new Set(Object.values(columns).map((c) => c.index))
    const found = header.findIndex((_, i) => !taken.has(i) && reads(valuesOf(i), (v) => readTimestamp(v) !== null, 0.8))
    if (found >= 0) {
      columns.ts = { index: found, name: header[found] as string }
      tsFoundBy = 'content'
    }
  }
  if (columns.close === undefined && columns.adjclose !== undefined) columns.close = columns.adjclose
  const missing = (['ts', 'open', 'high', 'low', 'close'] as const).filter((f) => columns[f] === undefined)
  if (missing.length > 0) {
    const shown = delimiter === '\t' ? 'tab' : delimiter
    const headerless = header.some((h) => readTimestamp(h) !== null)
      ? '; the first line looks like data: the file needs a header line such as date,open,high,low,close,volume'
      : ''
    throw new CsvFormatError(
      `missing column(s) ${missing.join(', ')} in header "${header.join(delimiter)}" (separator "${shown}"; ` +
        `the timestamp is found by name (date, ts, time, datetime, timestamp, ...), a date-format header such as "%Y-%m-%d", or values that read as dates)${headerless}`,
    )
  }
  const ts = columns.ts as Column
  const tsValues = valuesOf(ts.index)
  const tsKind = dateFormat === null ? (tsValues.map((v) => readTimestamp(v)?.kind).find((k) => k !== undefined) ?? null) : null
  // A date-only column plus a time-of-day column (Stooq's <DATE>,<TIME>): join them.
  let time: Column | null = null
  if (tsKind === 'date') {
    const t = candidates.find((c) => c.index !== ts.index && normaliseHeader(c.name) === 'time')
    if (t !== undefined && reads(valuesOf(t.index), (v) => readTimeOfDay(v) !== null, 0.5)) time = { index: t.index, name: t.name }
  }
  const used = new Set([...Object.values(columns).map((c) => c.index), ...(time === null ? [] : [time.index])])
  const ignored = header.filter((_, i) => !used.has(i))
  return { columns, time, dateFormat, tsKind, tsFoundBy, ignored }
}
