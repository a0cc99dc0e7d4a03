import type { CallLog } from './call-report'
import type { ClientContext } from './client-context'
import type { CacheEntry, ResponseCache } from './response-cache'

/**
 * The llm_cache read and write of a call, with their metrics. A cache failure never fails the
 * call: a read error is a miss, a write error is logged; both count as result="error".
 */
export async function readCached(ctx: ClientContext, log: CallLog, cache: ResponseCache, key: string): Promise<unknown> {
  return await cache.get(key).catch((err: unknown) => {
    ctx.metrics.cache.inc({ result: 'error' })
    log.warn({ error: { message: (err as Error).message } }, 'llm_cache read failed')
    return null
  })
}

/** Stores a successful result without its per-call fields (`cached`, `latency_ms`). */
export async function writeCached(
  ctx: ClientContext,
  log: CallLog,
  cache: ResponseCache,
  entry: Omit<CacheEntry, 'response'> & { result: { cached: boolean; latency_ms: number } },
): Promise<void> {
  const { result, ...where } = entry
  const { cached: _c, latency_ms: _l, ...stored } = result
  await cache
    .put({ ...where, response: stored })
    .then(() => {
      ctx.metrics.cache.inc({ result: 'write' })
    })
    .catch((err: unknown) => {
      ctx.metrics.cache.inc({ result: 'error' })
      log.warn({ error: { message: (err as Error).message } }, 'llm_cache write failed')
    })
}
