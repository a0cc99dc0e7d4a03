/** A header bag: undici's and the global Headers both fit. */
export interface HeaderBag {
  get: (name: string) => string | null
}

/**
 * The wait an upstream asked for: `retry-after-ms` (milliseconds), else `retry-after` (seconds or an
 * HTTP date). Null when absent or unparsable; never negative.
 */
export function retryAfterMs(headers: HeaderBag | null | undefined, now: number = Date.now()): number | null {
  if (!headers) return null
  const ms = headers.get('retry-after-ms')
  if (ms != null && ms.trim() !== '') {
    const v = Number(ms)
    if (Number.isFinite(v)) return Math.max(0, v)
  }
  const ra = headers.get('retry-after')
  if (ra == null || ra.trim() === '') return null
  const secs = Number(ra)
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000)
  const at = Date.parse(ra)
  return Number.isFinite(at) ? Math.max(0, at - now) : null
}
