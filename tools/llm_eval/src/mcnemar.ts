export interface McNemarResult {
  /** Pairs where A passed and B failed. */
  a_only: number
  /** Pairs where B passed and A failed. */
  b_only: number
  /** Exact two-sided p-value: 2 · P(X ≤ min(a_only, b_only)), X ~ Binomial(a_only + b_only, ½), capped at 1. */
  p_value: number
  method: 'exact-binomial'
}

/**
 * Exact McNemar test on paired pass/fail outcomes: only the discordant pairs count. Computed in log
 * space (log-sum-exp), so it stays exact for thousands of discordant pairs.
 */
export function mcnemarExact(aOnly: number, bOnly: number): McNemarResult {
  const n = aOnly + bOnly
  const k = Math.min(aOnly, bOnly)
  if (n === 0) return { a_only: aOnly, b_only: bOnly, p_value: 1, method: 'exact-binomial' }
  const logs: number[] = []
  let lc = 0
  for (let i = 0; i <= k; i++) {
    if (i > 0) lc += Math.log(n - i + 1) - Math.log(i)
    logs.push(lc - n * Math.LN2)
  }
  const m = Math.max(...logs)
  const tail = Math.exp(m) * logs.reduce((s, l) => s + Math.exp(l - m), 0)
  return { a_only: aOnly, b_only: bOnly, p_value: Math.min(1, 2 * tail), method: 'exact-binomial' }
}
