import type { Column, Field } from './detect-layout'
import type { ParsedBars } from './parse-bars-csv'
import type { TimestampKind } from './parse-timestamp'

const KINDS: Record<TimestampKind, string> = {
  date: 'dates (midnight UTC)',
  datetime: 'date-times (UTC unless they carry an offset)',
  epoch_s: 'epoch seconds',
  epoch_ms: 'epoch milliseconds',
  epoch_us: 'epoch microseconds',
  epoch_ns: 'epoch nanoseconds',
}

const col = (c: Column | undefined): string => (c === undefined ? '–' : `"${c.name}" (column ${c.index + 1})`)
const iso = (d: Date): string => d.toISOString()

/** What `forecast import --dry-run` prints: the detected mapping, counts and the first rows. */
export function describeBars(parsed: ParsedBars, opts: { symbol?: string; defaultSymbol: string; adjust?: boolean; firstRows?: number }): string[] {
  const { layout, rows } = parsed
  const c = layout.columns
  const sep = parsed.delimiter === '\t' ? 'tab' : `"${parsed.delimiter}"`
  const tsHow =
    layout.dateFormat !== null
      ? `header is the date format "${layout.dateFormat.format}"`
      : `found by ${layout.tsFoundBy}; ${layout.tsKind === null ? 'no values' : KINDS[layout.tsKind]}`
  const lines = [
    `separator: ${sep} (quoted fields allowed)`,
    `timestamp: ${col(c.ts)}, ${tsHow}${layout.time === null ? '' : `, plus the time of day from ${col(layout.time)}`}`,
    ...(['open', 'high', 'low', 'close', 'volume'] as Field[]).map(
      (f) => `${f}: ${col(c[f])}${f === 'close' && c.close === c.adjclose && c.close !== undefined ? ' (the adjusted close: there is no plain close)' : ''}`,
    ),
  ]
  if (c.adjclose !== undefined && c.adjclose !== c.close) {
    lines.push(
      `adjusted close: ${col(c.adjclose)} ${opts.adjust === true ? 'scales open/high/low/close (--adjust)' : 'ignored (--adjust scales open/high/low/close by it)'}`,
    )
  }
  lines.push(
    `symbol: ${opts.symbol !== undefined ? `${opts.symbol} (--symbol)` : c.symbol !== undefined ? `from ${col(c.symbol)}` : `${opts.defaultSymbol} (default; --symbol sets it)`}`,
  )
  if (layout.ignored.length > 0) lines.push(`ignored columns: ${layout.ignored.map((n) => `"${n}"`).join(', ')}`)
  const total = rows.length + parsed.problems.length + parsed.duplicates.length
  lines.push(
    `rows: ${total} data lines, ${rows.length} valid, ${parsed.problems.length} bad, ${parsed.duplicates.length} exact duplicate(s) dropped; file order ${parsed.order}${parsed.order === 'ascending' ? '' : ' (imported in time order)'}`,
  )
  const first = rows[0]
  const last = rows.at(-1)
  if (first !== undefined && last !== undefined) lines.push(`bars: ${iso(first.ts)} … ${iso(last.ts)}`)
  const n = opts.firstRows ?? 5
  if (n > 0 && rows.length > 0) {
    lines.push(`first ${Math.min(n, rows.length)} bar(s), as they would be stored:`, '  symbol | ts | open | high | low | close | volume')
    for (const r of rows.slice(0, n)) lines.push(`  ${r.symbol} | ${iso(r.ts)} | ${r.open} | ${r.high} | ${r.low} | ${r.close} | ${r.volume}`)
  }
  for (const d of parsed.duplicates.slice(0, 10)) lines.push(`duplicate line ${d.line}: same as line ${d.of}`)
  return lines
}
