import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { createSyntheticFeed } from '../bars/synthetic-feed'
import { UsageError } from '../errors'
import { cliDatabase, cliSetup, type CliContext } from './cli-context'

export const FEED_USAGE = 'forecast feed [--seed 1] [--symbol SIM] [--backfill 100] [--interval-ms 5000] [--count N]'

const int = (v: string | undefined, def: number, min: number): number => {
  const n = v === undefined ? def : Number(v)
  if (!Number.isInteger(n) || n < min) throw new UsageError(`usage: ${FEED_USAGE}`)
  return n
}

/**
 * `forecast feed`: appends seeded GBM bars for demos. First --backfill bars at once (enough history
 * for a forecast), then one bar every --interval-ms until Ctrl-C (or --count bars).
 */
export async function feedCommand(args: string[], ctx: CliContext, signals: { onStop: (fn: () => void) => void }): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: 'string' },
      symbol: { type: 'string' },
      backfill: { type: 'string' },
      'interval-ms': { type: 'string' },
      count: { type: 'string' },
    },
  })
  const { config, logger } = cliSetup(ctx)
  const seed = int(values.seed, config.FORECAST_FEED_SEED, 0)
  const backfill = int(values.backfill, 100, 0)
  const intervalMs = int(values['interval-ms'], config.FORECAST_FEED_INTERVAL_MS, 1)
  const count = values.count === undefined ? Infinity : int(values.count, 0, 0)
  const symbol = values.symbol ?? config.FORECAST_FEED_SYMBOL
  const { db, close } = await cliDatabase(config, logger, 2)
  const stop = new AbortController()
  signals.onStop(() => stop.abort())
  try {
    const feed = createSyntheticFeed({ db, symbol, seed })
    if (backfill > 0) {
      const rows = await feed.append(backfill)
      ctx.out(`feed ${symbol} (seed ${seed}): backfilled ${rows.length} bars up to ${rows.at(-1)?.ts.toISOString() ?? '-'}`)
    }
    for (let i = 0; i < count && !stop.signal.aborted; i++) {
      await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => {})
      if (stop.signal.aborted) break
      const [b] = await feed.append(1)
      if (b) ctx.out(`feed ${symbol}: ${b.ts.toISOString()} close ${b.close.toFixed(2)}`)
    }
    return 0
  } finally {
    await close()
  }
}
