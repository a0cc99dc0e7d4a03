import { LlmError, LlmTimeoutError, LlmUnreachableError } from './errors'

/** Connection errors, 408, 429 and 5xx (the dead engine's empty-body 500 included). Never other 4xx. */
export function isRetryable(err: LlmError): boolean {
  if (err instanceof LlmUnreachableError) return true
  const s = err.status
  return s != null && (s === 408 || s === 429 || s >= 500)
}

/** Whether the error says something bad about the upstream (counts towards opening its circuit). */
export function isUpstreamFailure(err: LlmError): boolean {
  if (err instanceof LlmUnreachableError || err instanceof LlmTimeoutError) return true
  return err.status != null && err.status >= 500
}

/**
 * Full-jitter exponential backoff: uniform in [0, min(maxMs, baseMs * 2^retry)). An upstream's
 * Retry-After / retry-after-ms, when present, is used as is instead.
 */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number, retryAfterMs: number | null): number {
  if (retryAfterMs != null) return retryAfterMs
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** retry))
}
