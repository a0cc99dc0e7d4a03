import type { LlmInputs, Rationale, RationaleGrounding } from '../contract'
import { RENDER_LIMITS } from '../registry/render-value'
import { citedNumbers, type CitedNumber } from './cited-numbers'

/**
 * Grounding of a rationale: every number its prose cites (summary, drivers, risks) is looked up
 * among the values of the forecast's inputs, with the conversions the rationale prompt allows
 * (configs/llm_prompts.yaml). Pure: no I/O. docs/decisions.md "Grounded rationales".
 *
 * A value is one of:
 * - a return-like input (forecast mu, sigma, q05, q95; signals ret_*, vol_*, and any signal named
 *   like a return): as the decimal (0.0123), as a percent (1.23 %) or in basis points (123 bp);
 * - p_up: as the decimal (0.56) or a percent (56 %), and its complement (44 % chance of a fall);
 * - any other signal (rsi_14, zscore_20, volume_ratio, ...), the order's qty, ref_price and
 *   notional, and the horizon: as written, no unit;
 * - the derived figures the prompt asks for: edge |p_up - 0.5|, signal-to-noise |mu| / sigma,
 *   the q05-q95 interval width (decimal or percent);
 * - the window lengths in the signal names (ret_5 → 5, rsi_14 → 14) and the reference levels the
 *   prompt names (RSI 70 and 30, z-score ±2, p_up 0.5 and 0.45/0.55, vol_20 0.02, volume_ratio 0.5
 *   and 2): these are given to the model, not invented by it.
 *
 * Values are taken both exact and as the prompt showed them (6 significant digits, render-value.ts):
 * the model rounds what it read, so 1.414998 shown as 1.415 may be cited as 1.42.
 *
 * A cited number matches a value when they agree to the decimals the text states (|cited - value|
 * ≤ half a unit of the last written digit, plus 1e-9): "1.2 %" and "1.23 %" both match 0.0123,
 * "1.24 %" does not. A stated sign ("+", "-", "down", "fell", "up" ...) must agree with the value's
 * sign; an unsigned number matches the magnitude. A percent or basis-point number matches only the
 * percent or basis-point form of a value; a bare number only the bare form.
 */

interface Candidate {
  value: number
  unit: 'percent' | 'bp' | 'none'
}

/** Reference levels named in the rationale prompts. */
export const REFERENCE_LEVELS: readonly number[] = [70, 30, 2, 0.5, 0.45, 0.55, 0.8, 0.02, 50]

const RETURN_LIKE = /^(?:ret|vol|mom|drawdown|dd|return|sigma|mu|q\d\d)/i

function candidates(inputs: LlmInputs): Candidate[] {
  const out: Candidate[] = []
  const asReturn = (v: number): void => {
    out.push({ value: v, unit: 'none' }, { value: v * 100, unit: 'percent' }, { value: v * 10_000, unit: 'bp' })
  }
  const plain = (v: number): void => {
    out.push({ value: v, unit: 'none' })
  }
  const f = inputs.forecast
  for (const v of [f.mu, f.sigma, f.q05, f.q95]) asReturn(v)
  for (const p of [f.p_up, 1 - f.p_up]) {
    plain(p)
    out.push({ value: p * 100, unit: 'percent' })
  }
  const edge = Math.abs(f.p_up - 0.5)
  plain(edge)
  out.push({ value: edge * 100, unit: 'percent' })
  if (f.sigma > 0) plain(Math.abs(f.mu) / f.sigma)
  asReturn(f.q95 - f.q05)
  for (const [name, v] of Object.entries(inputs.signals)) {
    if (RETURN_LIKE.test(name)) asReturn(v)
    else plain(v)
    const win = /_(\d+)$/.exec(name)
    if (win) plain(Number(win[1]))
  }
  plain(inputs.horizon)
  if (inputs.order) for (const v of [inputs.order.qty, inputs.order.ref_price, inputs.order.notional]) plain(v)
  for (const v of REFERENCE_LEVELS) plain(v)
  return out
}

const shown = (n: number): number => Number(n.toPrecision(RENDER_LIMITS.significantDigits))

/** The inputs with every number as the rendered prompt shows it. */
function asRendered(inputs: LlmInputs): LlmInputs {
  const f = inputs.forecast
  return {
    ...inputs,
    forecast: { mu: shown(f.mu), sigma: shown(f.sigma), p_up: shown(f.p_up), q05: shown(f.q05), q95: shown(f.q95) },
    signals: Object.fromEntries(Object.entries(inputs.signals).map(([k, v]) => [k, shown(v)])) as LlmInputs['signals'],
    order: inputs.order && { ...inputs.order, qty: shown(inputs.order.qty), ref_price: shown(inputs.order.ref_price), notional: shown(inputs.order.notional) },
  }
}

/** Whether one cited number agrees with one candidate value. */
function agrees(c: CitedNumber, k: Candidate): boolean {
  if (c.unit !== k.unit) return false
  if (c.sign !== null && k.value !== 0 && Math.sign(k.value) !== c.sign) return false
  const tolerance = 0.5 * 10 ** -c.decimals + 1e-9
  return Math.abs(c.magnitude - Math.abs(k.value)) <= tolerance
}

/** The rationale's prose fields, each with where it is ("summary", "drivers[0]", ...). */
function proseOf(r: Pick<Rationale, 'summary' | 'drivers' | 'risks'>): Array<[string, string]> {
  return [
    ['summary', r.summary],
    ...r.drivers.map((d, i): [string, string] => [`drivers[${i}]`, d]),
    ...r.risks.map((d, i): [string, string] => [`risks[${i}]`, d]),
  ]
}

/** Checks every number the rationale cites against the inputs; see the module comment. */
export function checkGrounding(rationale: Pick<Rationale, 'summary' | 'drivers' | 'risks'>, inputs: LlmInputs): RationaleGrounding {
  const pool = [...candidates(inputs), ...candidates(asRendered(inputs))]
  let cited = 0
  let matched = 0
  const unmatched: RationaleGrounding['unmatched'] = []
  for (const [where, text] of proseOf(rationale)) {
    for (const c of citedNumbers(text)) {
      cited++
      if (pool.some((k) => agrees(c, k))) matched++
      else unmatched.push({ text: c.text, where })
    }
  }
  return { cited, matched, unmatched }
}

/** A rationale is grounded when every number it cites was found in its inputs. */
export const isGrounded = (g: RationaleGrounding): boolean => g.unmatched.length === 0
