/** Small deterministic randomness: a 32-bit string hash and a seeded PRNG (mulberry32). */

/** FNV-1a over UTF-16 code units, folded with a seed; stable across runs and platforms. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

export interface Prng {
  /** Uniform in [0, 1). */
  next: () => number
  /** Integer in [min, max]. */
  int: (min: number, max: number) => number
  /** exp(N(0, sigma)): multiplicative jitter with median 1. */
  lognormal: (sigma: number) => number
}

export function createPrng(seed: number): Prng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    lognormal: (sigma) => {
      if (sigma <= 0) return 1
      // Box-Muller; 1 - u keeps the log argument in (0, 1].
      const u = 1 - next()
      const v = next()
      return Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v))
    },
  }
}
