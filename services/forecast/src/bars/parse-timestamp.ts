const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i
const EPOCH = /^\d{9,13}(\.\d+)?$/

/**
 * A bar timestamp: `YYYY-MM-DD` (midnight UTC), an ISO date-time (UTC when it has no offset), or
 * epoch seconds / milliseconds (13 digits or more than 1e11 means milliseconds). Null when invalid.
 */
export function parseTimestamp (raw: string): Date | null {
  const s = raw.trim()
  let ms: number
  if (ISO_DATE.test(s)) {
    ms = Date.parse(`${s}T00:00:00Z`)
  } else if (ISO_DATETIME.test(s)) {
    const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(s)
    ms = Date.parse(hasOffset ? s.replace(' ', 'T') : `${s.replace(' ', 'T')}Z`)
  } else if (EPOCH.test(s)) {
    const n = Number(s)
    ms = n >= 1e11 ? n : n * 1000
  } else {
    return null
  }
  if (!Number.isFinite(ms)) return null
  const d = new Date(ms)
  // Date.parse rolls 2021-02-30 over to March; reject dates that do not round-trip.
  if (ISO_DATE.test(s) && d.toISOString().slice(0, 10) !== s) return null
  return d
}
