import type { Db } from '@pulsetrade/db'
import type { Bar, BarRow } from './bar'
import { createBarsRepo } from './bars-repo'
import { createSeededRandom } from './seeded-random'

export interface SyntheticFeedOptions {
  db: Db
  symbol: string
  seed: number
  /** Drift and volatility of log returns per bar (GBM). @default 0.0003 / 0.012 */
  mu?: number
  sigma?: number
  /** Price of the first bar when the symbol has none. @default 100 */
  startPrice?: number
  /** Time of the first bar when the symbol has none. @default 2021-01-04T00:00Z */
  startTs?: Date
  /** Spacing of bar timestamps. @default one day */
  barMs?: number
}

const DAY = 86_400_000

/** A 32-bit seed for bar number `n` of a feed: the same (seed, symbol, n) always gives the same bar. */
function barSeed(seed: number, symbol: string, n: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0
  for (const ch of `${symbol}|${n}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0
  return h | 0
}

/**
 * A seeded geometric Brownian motion feed for demos: each new bar continues the symbol's last
 * stored bar with close = prev · exp((mu - sigma²/2) + sigma·Z). The random numbers of bar n depend
 * only on (seed, symbol, n), so the same seed replays the same path, also across restarts.
 */
export function createSyntheticFeed(o: SyntheticFeedOptions) {
  const bars = createBarsRepo(o.db)
  const mu = o.mu ?? 0.0003
  const sigma = o.sigma ?? 0.012
  const barMs = o.barMs ?? DAY
  const start = o.startTs ?? new Date(Date.UTC(2021, 0, 4))

  function nextBar(prev: Bar | null): Bar {
    const n = prev ? Math.round((prev.ts.getTime() - start.getTime()) / barMs) + 1 : 0
    const rand = createSeededRandom(barSeed(o.seed, o.symbol, n))
    const open = prev ? prev.close : (o.startPrice ?? 100)
    const close = open * Math.exp(mu - (sigma * sigma) / 2 + sigma * rand.normal())
    const wick = (): number => Math.exp(Math.abs(rand.normal()) * sigma * 0.5)
    return {
      ts: new Date(start.getTime() + n * barMs),
      open,
      high: Math.max(open, close) * wick(),
      low: Math.min(open, close) / wick(),
      close,
      volume: Math.round(1_000_000 * Math.exp(0.3 * rand.normal())),
    }
  }

  return {
    /** Appends `count` bars after the symbol's latest one; returns them. */
    async append(count = 1): Promise<BarRow[]> {
      let prev = await bars.latest(o.symbol)
      const out: BarRow[] = []
      for (let i = 0; i < count; i++) {
        prev = nextBar(prev)
        out.push({ symbol: o.symbol, ...prev })
      }
      await bars.insert(out)
      return out
    },
  }
}
export type SyntheticFeed = ReturnType<typeof createSyntheticFeed>
