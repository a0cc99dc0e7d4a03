/** Standard normal quantile at 0.95: q05 = mu - Z95·sigma, q95 = mu + Z95·sigma. */
export const Z95 = 1.6448536269514722

/**
 * Standard normal CDF Φ(x) via the complementary error function (W. J. Cody's rational
 * approximation as given in Numerical Recipes' erfc, |error| < 1.2e-7).
 */
export function normCdf(x: number): number {
  if (x === 0) return 0.5
  const z = Math.abs(x) / Math.SQRT2
  const t = 1 / (1 + 0.5 * z)
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? 1 - erfc / 2 : erfc / 2
}
