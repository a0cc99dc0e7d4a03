import { CsvFormatError } from '../errors'

/**
 * strftime-style formats as R writes them into a CSV header (timeSeries' `readSeries` reads the
 * first column's header as the format of its dates, e.g. `"%Y-%m-%d"`). Supported directives:
 * %Y %y %m %d %e %H %M %S %OS (fractional seconds) %b %h %B %z %Z (UTC/GMT only) %T %F %%.
 */
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']

type Part = 'Y' | 'y' | 'm' | 'd' | 'H' | 'M' | 'S' | 'b' | 'B' | 'z' | 'Z'
const DIRECTIVES: Record<string, { re: string; part: Part } | string> = {
  Y: { re: '(\\d{4})', part: 'Y' },
  y: { re: '(\\d{2})', part: 'y' },
  m: { re: '(\\d{1,2})', part: 'm' },
  d: { re: '(\\d{1,2})', part: 'd' },
  e: { re: '\\s?(\\d{1,2})', part: 'd' },
  H: { re: '(\\d{1,2})', part: 'H' },
  M: { re: '(\\d{2})', part: 'M' },
  S: { re: '(\\d{2}(?:\\.\\d+)?)', part: 'S' },
  OS: { re: '(\\d{2}(?:\\.\\d+)?)', part: 'S' },
  b: { re: '([A-Za-z]{3})', part: 'b' },
  h: { re: '([A-Za-z]{3})', part: 'b' },
  B: { re: '([A-Za-z]+)', part: 'B' },
  z: { re: '([+-]\\d{2}:?\\d{2}|Z)', part: 'z' },
  Z: { re: '(UTC|GMT|Z)', part: 'Z' },
  T: '%H:%M:%S',
  F: '%Y-%m-%d',
  '%': '%',
}

/** True when a header looks like a date format (`%Y-%m-%d`, `%Y-%m-%d %H:%M:%S`, ...). */
export const isDateFormat = (header: string): boolean => /%(Y|y|m|d|H|F|T)/.test(header)

export interface DateFormat {
  format: string
  /** Epoch milliseconds, or null when the text does not match the format or is not a real date. */
  parse: (raw: string) => number | null
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Compiles a strftime format; CsvFormatError naming the directive it does not know. */
export function compileDateFormat(format: string): DateFormat {
  const parts: Part[] = []
  let re = ''
  const expand = (f: string): void => {
    for (let i = 0; i < f.length; i++) {
      const ch = f[i] as string
      if (ch !== '%') {
        re += /\s/.test(ch) ? '\\s+' : escape(ch)
        continue
      }
      const key = f.startsWith('OS', i + 1) ? 'OS' : (f[i + 1] ?? '')
      const d = DIRECTIVES[key]
      if (d === undefined) throw new CsvFormatError(`date format "${format}" uses %${key}, which the importer does not read`)
      i += key.length
      if (typeof d === 'string') {
        if (d === '%') re += '%'
        else expand(d)
      } else {
        re += d.re
        parts.push(d.part)
      }
    }
  }
  expand(format)
  const matcher = new RegExp(`^${re}$`, 'i')
  return {
    format,
    parse(raw) {
      const m = matcher.exec(raw.trim())
      if (m === null) return null
      const v: Partial<Record<Part, string>> = {}
      parts.forEach((p, i) => {
        v[p] = m[i + 1]
      })
      const y = v.Y !== undefined ? Number(v.Y) : v.y !== undefined ? (Number(v.y) < 69 ? 2000 : 1900) + Number(v.y) : NaN
      const month =
        v.m !== undefined
          ? Number(v.m)
          : v.b !== undefined
            ? MONTHS.indexOf(v.b.toLowerCase()) + 1
            : v.B !== undefined
              ? MONTH_NAMES.indexOf(v.B.toLowerCase()) + 1
              : NaN
      const day = v.d !== undefined ? Number(v.d) : 1
      const sec = Number(v.S ?? 0)
      return utcMillis(y, month, day, Number(v.H ?? 0), Number(v.M ?? 0), sec, v.z ?? null)
    },
  }
}

/** Epoch ms of a wall-clock time at an offset (`Z`, `+02:00`, `-0500`, null = UTC); null when not a real time. */
export function utcMillis(y: number, month: number, day: number, h: number, min: number, sec: number, offset: string | null): number | null {
  if (![y, month, day, h, min, sec].every(Number.isFinite)) return null
  if (month < 1 || month > 12 || day < 1 || h > 23 || min > 59 || sec >= 60) return null
  const ms = Date.UTC(y, month - 1, day, h, min, Math.floor(sec), Math.round((sec % 1) * 1000))
  // Date.UTC rolls 2021-02-30 over to March; a date that does not round-trip is not a date.
  if (new Date(ms).getUTCDate() !== day) return null
  const shift = offsetMinutes(offset)
  return Number.isFinite(shift) ? ms - shift * 60_000 : null
}

function offsetMinutes(offset: string | null): number {
  if (offset === null || /^(z|utc|gmt)$/i.test(offset)) return 0
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)
  if (m === null) return NaN
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0))
}
