import type { Bar } from '../src/bars/bar'
import { createSeededRandom } from '../src/bars/seeded-random'

/** A deterministic geometric random walk of `n` daily bars starting 2001-01-01. */
export function makeBars(n: number, seed = 1, { drift = 0.0002, vol = 0.01, start = 100 } = {}): Bar[] {
  const rand = createSeededRandom(seed)
  const out: Bar[] = []
  let close = start
  for (let i = 0; i < n; i++) {
    const open = close
    close = open * Math.exp(drift + vol * rand.normal())
    out.push({
      ts: new Date(Date.UTC(2001, 0, 1) + i * 86_400_000),
      open,
      high: Math.max(open, close) * 1.002,
      low: Math.min(open, close) * 0.998,
      close,
      volume: 1000 + Math.floor(rand.uniform() * 1000),
    })
  }
  return out
}
