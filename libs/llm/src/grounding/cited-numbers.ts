/**
 * The numbers a rationale cites, read from its prose. Pure: no I/O.
 *
 * A cited number is a decimal or integer in the text that states a quantity. Left out, because
 * they name things rather than state data: window lengths and indicator parameters ("14-bar RSI",
 * "20-day", "RSI(14)", "rsi_14", "q05"), ordinals ("5th"), dates and times ("2024-05-01",
 * "May 3", "in 2024", "15:30"), version strings ("1.0.0", "v2") and the quantile labels of the
 * prompt ("the 5 % quantile", "a 90 % interval").
 */

export type CitedUnit = 'percent' | 'bp' | 'none'

export interface CitedNumber {
  /** The text as written, sign word included ("down 2.10 %", "+1.23 %", "0.56"). */
  text: string
  /** The number as written, without sign. */
  magnitude: number
  /** Digits after the decimal point, as written. */
  decimals: number
  /** -1 or +1 when the text states a sign (a sign character or a word such as "down"), else null. */
  sign: -1 | 1 | null
  unit: CitedUnit
}

const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december'
const NUMBER = /(?<sign>[+\-\u2212]?)(?<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)/g
const NEG_WORD =
  /\b(?:down|fell|fall(?:en|ing|s)?|lost|los(?:s|ing)|declin(?:e|ed|es|ing)|drop(?:ped|s)?|lower|negative|minus|slid|slipped)(?:\s+(?:by|of|to))?\s+(?:an?\s+)?$/i
const POS_WORD =
  /\b(?:up|rose|ris(?:en|ing|e)|gain(?:ed|s)?|rall(?:y|ied)|climb(?:ed)?|higher|positive|plus|advanc(?:e|ed))(?:\s+(?:by|of|to))?\s+(?:an?\s+)?$/i
const LABEL_AFTER = /^(?:-|\s)?(?:bars?|days?|periods?|weeks?|months?|years?|sessions?|minutes?|hours?|min|h)\b/i
const HYPHEN_LABEL_AFTER = /^-(?:bars?|days?|periods?|weeks?|months?|years?|sessions?|minutes?|hours?|period|window|lookback)\b/i
const ORDINAL_AFTER = /^(?:st|nd|rd|th)\b/i
const QUANTILE_AFTER = /^\s*%?(?:\s*(?:and|or|\/|-|to)\s*\d+\s*%?)?\s*(?:quantiles?|percentiles?|intervals?|confidence|ci\b|bands?|range\b)/i
const DATE_AROUND_BEFORE = new RegExp(`\\b(?:${MONTHS})\\.?\\s+$|\\b(?:in|since|during|year|fy|q[1-4])\\s+$`, 'i')
const DATE_AROUND_AFTER = new RegExp(`^\\s+(?:${MONTHS})\\b`, 'i')

/** Spans of text that hold no data: dates, times, version strings. */
function blankedSpans(text: string): string {
  return text
    .replace(/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g, (m) => ' '.repeat(m.length))
    .replace(/\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/g, (m) => ' '.repeat(m.length))
    .replace(/\b\d{1,2}:\d{2}(?::\d{2})?\b/g, (m) => ' '.repeat(m.length))
    .replace(/\bv?\d+\.\d+\.\d+(?:[-+][\w.]+)?\b/gi, (m) => ' '.repeat(m.length))
    .replace(/\b(?:v|version\s+)\d+(?:\.\d+)?\b/gi, (m) => ' '.repeat(m.length))
}

/** Whether the number at [start, end) of `text` names something rather than stating data. */
function isLabel(text: string, start: number, end: number, signChar: string): boolean {
  const before = text.slice(Math.max(0, start - 24), start)
  const after = text.slice(end, end + 24)
  const prev = before.slice(-1)
  // Part of an identifier or an indicator's parameter: rsi_14, q05, RSI14, RSI-14, RSI(14), EMA[20].
  if (/[A-Za-z_]/.test(prev) && signChar === '') return true
  if (signChar !== '' && /[A-Za-z]$/.test(text.slice(0, start - signChar.length))) return true
  if (/[A-Za-z]\s?[([]$/.test(before) && /^[)\]]/.test(after)) return true
  // Window lengths and counts of bars written as a unit ("14-bar", "20-day", "5 sessions").
  if (HYPHEN_LABEL_AFTER.test(after)) return true
  if (LABEL_AFTER.test(after) && /\b(?:last|past|prior|previous)\s+$/i.test(before)) return true
  if (ORDINAL_AFTER.test(after)) return true
  if (QUANTILE_AFTER.test(after)) return true
  if (DATE_AROUND_BEFORE.test(before) || DATE_AROUND_AFTER.test(after)) return true
  return false
}

/** Every cited number of one text, in order. */
export function citedNumbers(text: string): CitedNumber[] {
  const clean = blankedSpans(text)
  const out: CitedNumber[] = []
  for (const m of clean.matchAll(NUMBER)) {
    const signChar = m.groups?.sign ?? ''
    const num = m.groups?.num ?? ''
    const start = (m.index ?? 0) + signChar.length
    const end = start + num.length
    // Inside a longer alphanumeric token (a hash, "3x2"): not a quantity.
    if (/\d/.test(clean.slice(end, end + 1))) continue
    if (isLabel(clean, start, end, signChar)) continue
    const after = clean.slice(end, end + 8)
    const unit: CitedUnit = /^\s?%/.test(after) ? 'percent' : /^\s?(?:bps?|basis points?)\b/i.test(after) ? 'bp' : 'none'
    const before = clean.slice(Math.max(0, start - signChar.length - 24), start - signChar.length)
    let sign: -1 | 1 | null = signChar === '+' ? 1 : signChar === '' ? null : -1
    // "+/-2": a band, stated as a magnitude.
    if (signChar === '-' && before.endsWith('+/')) sign = null
    if (sign === null || sign === -1) {
      if (NEG_WORD.test(before)) sign = -1
      else if (sign === null && POS_WORD.test(before)) sign = 1
    }
    const word = sign !== null && signChar === '' ? ((NEG_WORD.exec(before) ?? POS_WORD.exec(before))?.[0] ?? '') : ''
    const tail = unit === 'percent' ? (/^\s?%/.exec(after)?.[0] ?? '') : unit === 'bp' ? (/^\s?(?:bps?|basis points?)/i.exec(after)?.[0] ?? '') : ''
    const decimals = num.includes('.') ? num.length - num.indexOf('.') - 1 : 0
    out.push({
      text: `${word}${signChar}${num}${tail}`.trim(),
      magnitude: Number(num.replace(/,/g, '')),
      decimals,
      sign,
      unit,
    })
  }
  return out
}
