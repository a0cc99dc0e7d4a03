/**
 * Wald's sequential probability ratio test on a challenger arm's failure rate, against the control
 * arm's observed rate p_c:  H0: p = p_c + δ0  vs  H1: p = p_c + δ1  (δ0 < δ1).
 *
 * Only the upper boundary is used (a canary arm is stopped, never "accepted"): the statistic is
 * the cumulative log-likelihood ratio over all of the arm's samples, and the arm is stopped when it
 * reaches ln((1 − β) / α). Under H0 (or any p below p_c + δ0) the likelihood ratio is a
 * (super)martingale, so by Ville's inequality the probability of EVER stopping is at most
 * α / (1 − β), however long the arm runs. β is the miss rate at p_c + δ1 of the classic two-sided
 * test; here it only sets the threshold. Expected samples to stop at a true rate p:
 * ln((1 − β)/α) / (p·ln(p1/p0) + (1 − p)·ln((1 − p1)/(1 − p0))).
 *
 * p_c is not known: it is the control's upper Wilson bound (z = 3), so a noisy low control estimate
 * does not make an equal arm look worse (the plug-in rate alone gave 7 false stops in 600 equal
 * 10,000-call streams).
 */
export interface SprtOptions {
  /** False-stop bound per metric (design: 0.001). */
  alpha: number
  /** Sets the threshold with alpha (design: 0.05). */
  beta: number
  /** Indifference margin over the control rate (design: 0.02). */
  delta0: number
  /** The degradation to detect (design: 0.10). */
  delta1: number
  /** No decision before both arms have this many samples (design: 50). */
  minSamples: number
}

export const DEFAULT_SPRT: SprtOptions = { alpha: 0.001, beta: 0.05, delta0: 0.02, delta1: 0.1, minSamples: 50 }

export interface SprtInput {
  /** Challenger samples and failures. */
  n: number
  failures: number
  /** Control samples and failures. */
  controlN: number
  controlFailures: number
}

export interface SprtVerdict {
  stop: boolean
  llr: number
  threshold: number
  p0: number
  p1: number
  controlRate: number
  rate: number
}

/** Upper Wilson score bound of a binomial rate (0 without samples). */
export function wilsonUpper(failures: number, n: number, z: number): number {
  if (n <= 0) return 0
  const p = failures / n
  const z2 = z * z
  return Math.min(1, (p + z2 / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n))
}

const clampP = (p: number): number => Math.min(0.999, Math.max(0.001, p))

export function sprtThreshold(o: Pick<SprtOptions, 'alpha' | 'beta'>): number {
  return Math.log((1 - o.beta) / o.alpha)
}

/** The test on cumulative counts. */
export function sprt(input: SprtInput, o: SprtOptions = DEFAULT_SPRT): SprtVerdict {
  // The control's rate is estimated: its upper Wilson bound (z = 3) keeps that noise from becoming false stops.
  const controlRate = wilsonUpper(input.controlFailures, input.controlN, 3)
  const p0 = clampP(controlRate + o.delta0)
  const p1 = clampP(controlRate + o.delta1)
  const llr = input.failures * Math.log(p1 / p0) + (input.n - input.failures) * Math.log((1 - p1) / (1 - p0))
  const threshold = sprtThreshold(o)
  const enough = input.n >= o.minSamples && input.controlN >= o.minSamples
  return { stop: enough && p1 > p0 && llr >= threshold, llr, threshold, p0, p1, controlRate, rate: input.n > 0 ? input.failures / input.n : 0 }
}

/** Expected samples to a stop when the challenger fails at `rate` and the control at `controlRate`. */
export function expectedSamplesToStop(rate: number, controlRate: number, o: SprtOptions = DEFAULT_SPRT): number {
  const p0 = clampP(controlRate + o.delta0)
  const p1 = clampP(controlRate + o.delta1)
  const drift = rate * Math.log(p1 / p0) + (1 - rate) * Math.log((1 - p1) / (1 - p0))
  return drift <= 0 ? Infinity : Math.max(o.minSamples, Math.ceil(sprtThreshold(o) / drift))
}
