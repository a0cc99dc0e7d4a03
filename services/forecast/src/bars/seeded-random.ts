import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'

export interface SeededRandom {
  /** Uniform in [0, 1). */
  uniform: () => number
  /** Standard normal (Box–Muller). */
  normal: () => number
}

/** A reproducible stream of random numbers (pure-rand's xoroshiro128+) for a 32-bit seed. */
export function createSeededRandom(seed: number): SeededRandom {
  const rng = xoroshiro128plus(seed | 0)
  const uniform = (): number => uniformFloat64(rng)
  return {
    uniform,
    normal: () => {
      const u1 = 1 - uniform() // (0, 1]: log(0) never happens
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * uniform())
    },
  }
}
