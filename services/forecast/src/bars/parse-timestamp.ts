import { utcMillis } from './date-format'

/** How a timestamp column is written; shown by `import --dry-run`. */
export type TimestampKind = 'date' | 'datetime' | 'epoch_s' | 'epoch_ms' | 'epoch_us' | 'epoch_ns'

export interface ReadTimestamp {
  ms: number
  kind: TimestampKind
}

// 2020-01-02, 2020/01/02, 2020.01.02 or 20200102; then optionally T or space, HH:MM[:SS[.fff]], and
// Z, UTC, GMT or an offset (+02:00, -0500, +02), with or without a space before it.
const DATE_TIME = /^(\d{4})([-/.]?)(\d{2})\2(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}(?:[.,]\d{1,9})?))?\s?(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?$/i
const EPOCH = /^\d{9,19}(\.\d+)?$/

/**
 * A bar timestamp in any form the importer reads, or null: an ISO-like date (midnight UTC), a
 * date-time (UTC unless it carries an offset), or epoch seconds, milliseconds, microseconds or
 * nanoseconds (told apart by magnitude: below 1e11 seconds, 1e14 ms, 1e17 µs, else ns).
 */
export function readTimestamp(raw: string): ReadTimestamp | null {
  const s = raw.trim()
  const m = DATE_TIME.exec(s)
  if (m !== null) {
    const [, y, , mo, d, h, mi, sec, offset] = m
    const ms = utcMillis(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number((sec ?? '0').replace(',', '.')), offset ?? null)
    return ms === null ? null : { ms, kind: h === undefined ? 'date' : 'datetime' }
  }
  if (EPOCH.test(s)) {
    const n = Number(s)
    if (n < 1e11) return { ms: Math.round(n * 1000), kind: 'epoch_s' }
    if (n < 1e14) return { ms: Math.round(n), kind: 'epoch_ms' }
    if (n < 1e17) return { ms: Math.round(n / 1e3), kind: 'epoch_us' }
    return { ms: Math.round(n / 1e6), kind: 'epoch_ns' }
  }
  return null
}

/** readTimestamp as a Date (the importer's original entry point). */
export function parseTimestamp(raw: string): Date | null {
  const t = readTimestamp(raw)
  return t === null ? null : new Date(t.ms)
}

/** Milliseconds into the day of a separate time column: `HH:MM`, `HH:MM:SS(.fff)` or Stooq's `HHMMSS`; else null. */
export function readTimeOfDay(raw: string): number | null {
  const m = /^(\d{2}):?(\d{2})(?::?(\d{2}(?:\.\d{1,6})?))?$/.exec(raw.trim())
  if (m === null) return null
  const [h, mi, sec] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]
  if (h > 23 || mi > 59 || sec >= 60) return null
  return Math.round(((h * 60 + mi) * 60 + sec) * 1000)
}
