import { createPrng } from './prng'

const BLOCK = 20

export interface RateGate {
  /** True for about `rate` of the calls: exactly round-carried rate×20 in every block of 20. */
  fire: (rate: number) => boolean
}

/**
 * Realises a fault rate deterministically: each block of 20 calls fires exactly its share
 * (fractions carried to the next block) at positions drawn from a seeded PRNG, so a 20% rate
 * over 1,000 calls fires 200 times (±1) without a periodic pattern. A rate change starts a block.
 */
export function createRateGate(seed: number): RateGate {
  const prng = createPrng(seed)
  let rate = -1
  let carry = 0
  let pos = BLOCK
  let hits: boolean[] = []
  const newBlock = (): void => {
    const expected = rate * BLOCK + carry
    const k = Math.min(BLOCK, Math.floor(expected + 1e-9))
    carry = expected - k
    const order = Array.from({ length: BLOCK }, (_, i) => i)
    for (let i = BLOCK - 1; i > 0; i--) {
      const j = Math.floor(prng.next() * (i + 1))
      const t = order[i] as number
      order[i] = order[j] as number
      order[j] = t
    }
    hits = new Array<boolean>(BLOCK).fill(false)
    for (let i = 0; i < k; i++) hits[order[i] as number] = true
    pos = 0
  }
  return {
    fire(r) {
      if (!(r > 0)) return false
      if (r >= 1) return true
      if (r !== rate) {
        rate = r
        carry = 0
        pos = BLOCK
      }
      if (pos >= BLOCK) newBlock()
      return hits[pos++] === true
    },
  }
}
