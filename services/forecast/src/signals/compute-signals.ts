import type { Signals } from '@pulsetrade/llm'
import type { Bar } from '../bars/bar'
import { InsufficientHistoryError } from '../errors'

/** Bars (including the asof bar) the signals read; earlier bars never change them. */
export const SIGNALS_LOOKBACK = 21

const RSI_PERIOD = 14

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const sampleStd = (xs: number[]): number => {
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))
}
const round = (x: number): number => Number(x.toPrecision(10))

/**
 * Signals at the last bar of `bars` (the asof bar), from the last 21 bars only:
 * - ret_1, ret_5, ret_20: log returns over 1, 5 and 20 bars (ln C_t / C_{t-k})
 * - vol_20: sample standard deviation of the last 20 one-bar log returns (per bar, not annualised)
 * - rsi_14: RSI over the last 14 close-to-close changes with simple means of gains and losses
 *   (Cutler's variant: 100 - 100/(1 + avgGain/avgLoss); 100 when there is no loss, 50 when flat)
 * - zscore_20: (C_t - mean of the last 20 closes) / their sample standard deviation (0 when flat)
 * - volume_ratio: V_t / mean volume of the 20 bars before t (1 when that mean is 0)
 * Values are rounded to 10 significant digits so they render identically in prompts.
 */
export function computeSignals(bars: Bar[]): Signals {
  if (bars.length < SIGNALS_LOOKBACK) {
    throw new InsufficientHistoryError(`signals need ${SIGNALS_LOOKBACK} bars, got ${bars.length}`)
  }
  const w = bars.slice(-SIGNALS_LOOKBACK)
  const close = w.map((b) => b.close)
  const last = close.length - 1
  const c = (i: number): number => close[i] ?? Number.NaN
  const rets: number[] = []
  for (let i = 1; i < close.length; i++) rets.push(Math.log(c(i) / c(i - 1)))

  let gain = 0
  let loss = 0
  for (let i = last - RSI_PERIOD + 1; i <= last; i++) {
    const d = c(i) - c(i - 1)
    if (d > 0) gain += d
    else loss -= d
  }
  const rsi = loss === 0 ? (gain === 0 ? 50 : 100) : 100 - 100 / (1 + gain / loss)

  const closes20 = close.slice(-20)
  const sd20 = sampleStd(closes20)
  const vols = w.map((b) => b.volume)
  const prevVolMean = mean(vols.slice(0, -1))

  return {
    ret_1: round(Math.log(c(last) / c(last - 1))),
    ret_5: round(Math.log(c(last) / c(last - 5))),
    ret_20: round(Math.log(c(last) / c(last - 20))),
    vol_20: round(sampleStd(rets)),
    rsi_14: round(rsi),
    zscore_20: round(sd20 > 0 ? (c(last) - mean(closes20)) / sd20 : 0),
    volume_ratio: round(prevVolMean > 0 ? (vols[vols.length - 1] ?? 0) / prevVolMean : 1),
  }
}
