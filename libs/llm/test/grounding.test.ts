import { describe, expect, test } from 'vitest'
import { FeaturesLlmSchema, checkGrounding, citedNumbers, type LlmInputs } from '../src'

// Issue 19, acceptance 1: every number a rationale cites is checked against the forecast's inputs.
const inputs: LlmInputs = {
  symbol: 'AAPL',
  asof: '2024-05-01T20:00:00Z',
  horizon: 5,
  forecast: { mu: 0.0123, sigma: 0.021, p_up: 0.62, q05: -0.0222, q95: 0.0468 },
  signals: { ret_1: -0.0041, ret_5: 0.021, ret_20: -0.034, vol_20: 0.0185, rsi_14: 71.36, zscore_20: -2.31, volume_ratio: 1.84 },
  order: { side: 'buy', qty: 120, ref_price: 187.32, notional: 22478.4 },
}

const rationale = (summary: string, drivers: string[] = ['no numbers here'], risks: string[] = ['none stated']) => ({ summary, drivers, risks })
const check = (summary: string) => checkGrounding(rationale(summary), inputs)
const unmatchedOf = (summary: string) => check(summary).unmatched.map((u) => u.text)

describe('matches', () => {
  test.each([
    ['log return as a percent with two decimals', 'mu +1.23 % over the horizon'],
    ['the decimal as given', 'mu 0.0123 against sigma 0.021'],
    ['a percent rounded to fewer decimals', 'expected return of 1.2 % against sigma of 2.1 %'],
    ['p_up as a probability and as a percent', 'p_up 0.62, a 62 % chance of a gain'],
    ['the complement of p_up', 'a 38 % chance of a loss'],
    ['sign word on a negative return', '20-bar return down 3.40 %'],
    ['explicit minus on a negative return', '20-bar return -3.40 %'],
    ['unicode minus', 'q05 at \u22122.22 %'],
    ['an unsigned magnitude', 'a 0.41 % move on the last bar'],
    ['a sign word with "by"', 'the 1-bar return fell by 0.41 %'],
    ['basis points', 'mu of 123 bp'],
    ['RSI and z-score as written', 'RSI at 71.36 and zscore_20 at -2.31'],
    ['volume ratio with an x', 'volume 1.84x its 20-bar average'],
    ['order figures with thousands separators', 'buy 120 shares at $187.32, notional $22,478.40'],
    ['the horizon as a count', 'over the next 5 bars'],
    ['derived edge and signal-to-noise', 'edge 0.12, signal-to-noise 0.59'],
    ['interval width', 'q05-q95 interval 6.90 % wide'],
    ['reference levels named by the prompt', 'RSI above 70 and z-score beyond +/-2'],
  ])('%s', (_name, text) => {
    const g = check(text)
    expect(g.unmatched).toEqual([])
    expect(g.cited).toBeGreaterThan(0)
    expect(g.matched).toBe(g.cited)
  })
})

describe('near misses and traps are unmatched', () => {
  test.each([
    ['off by one in the last digit', 'mu +1.24 %', ['+1.24 %']],
    ['one decimal too far', 'sigma 2.3 %', ['2.3 %']],
    ['a sign flipped with a character', '5-bar return -2.10 %', ['-2.10 %']],
    ['a sign flipped with a word', '5-bar return down 2.10 %', ['down 2.10 %']],
    ['a positive word on a negative value', '20-bar return up 3.40 %', ['up 3.40 %']],
    ['a return written without its percent sign', 'mu 1.23 over the horizon', ['1.23']],
    ['a decimal given a percent sign', 'mu 0.0123 %', ['0.0123 %']],
    ['p_up as a bare 62', 'p_up 62', ['62']],
    ['RSI given a percent sign', 'RSI 71.36 %', ['71.36 %']],
    ['an invented price', 'support near $180.00', ['180.00']],
    ['an invented percent', 'earnings could move it 8 %', ['8 %']],
  ])('%s', (_name, text, want) => {
    expect(unmatchedOf(text)).toEqual(want)
  })
})

describe('numbers that are not data are not cited', () => {
  test.each([
    '14-bar RSI is stretched',
    'the 20-day trend',
    'RSI(14) is high',
    'rsi_14 and zscore_20 and vol_20 and ret_5 agree',
    'q05 and q95 bound it',
    'as of 2024-05-01T20:00:00Z',
    'on 2024-05-01',
    'since May 3',
    'in 2023 the stock',
    'at 15:30',
    'prompt version 1.1.0',
    'model v2',
    'the 5 % and 95 % quantiles form a 90 % interval',
    'the 5th percentile',
    'over the last 20 bars',
    'RSI-14 is high',
    'on 3 May, or 5/1/2024',
    'version 1.1 of the prompt',
  ])('%s', (text) => {
    expect(check(text)).toEqual({ cited: 0, matched: 0, unmatched: [] })
  })
})

test('citedNumbers reads sign, unit and decimals', () => {
  expect(citedNumbers('down 2.10 % then +0.5 bp and 12,345')).toEqual([
    { text: 'down 2.10 %', magnitude: 2.1, decimals: 2, sign: -1, unit: 'percent' },
    { text: '+0.5 bp', magnitude: 0.5, decimals: 1, sign: 1, unit: 'bp' },
    { text: '12,345', magnitude: 12345, decimals: 0, sign: null, unit: 'none' },
  ])
})

test('counts over summary, drivers and risks, and says where the unmatched number is', () => {
  const g = checkGrounding(
    rationale(
      'Up forecast: p_up 0.62, mu +1.23 % against sigma 2.10 %.',
      ['5-bar return +2.10 %, in the forecast direction', 'volume 1.84x average'],
      ['RSI 71.36 above 70', 'vol_20 at 4.00 %'],
    ),
    inputs,
  )
  expect(g).toEqual({ cited: 8, matched: 7, unmatched: [{ text: '4.00 %', where: 'risks[1]' }] })
})

test('an order of null leaves no order figures to match', () => {
  expect(checkGrounding(rationale('qty 120'), { ...inputs, order: null }).unmatched).toEqual([{ text: '120', where: 'summary' }])
})

test('features.llm keeps the grounding (additive, optional)', () => {
  const grounding = { cited: 2, matched: 1, unmatched: [{ text: '8 %', where: 'summary' }] }
  const base = {
    prompt: 'rationale',
    version: '1.0.0',
    hash: 'h',
    arm: null,
    bucket: null,
    ok: true,
    valid_json: true,
    repaired: false,
    cached: false,
    parsed: { ...rationale('x'), confidence: 0.5 },
    raw: '{}',
    finish_reason: 'stop',
    latency_ms: 1,
    usage: { prompt_tokens: 1, completion_tokens: 1 },
    request_id: null,
    error: null,
  }
  const policy = {
    ...base,
    prompt: 'policy',
    parsed: null,
    ok: false,
    mode: 'enforce',
    gate_disabled: false,
    effective: 'no_order',
    would: null,
    fail_reason: 'missing',
  }
  const features = { model: 'Lexi', inputs, rationale: { ...base, grounding }, policy }
  expect(FeaturesLlmSchema.parse(features).rationale.grounding).toEqual(grounding)
  expect(FeaturesLlmSchema.parse({ ...features, rationale: base }).rationale.grounding).toBeUndefined()
})

test('a value is matched as the prompt showed it too (6 significant digits): 1.414998493 shown as 1.415, cited as 1.42', () => {
  const shownRounded = { ...inputs, signals: { ...inputs.signals, zscore_20: 1.414998493 } }
  expect(checkGrounding(rationale('zscore_20 at 1.42'), shownRounded).unmatched).toEqual([])
  expect(checkGrounding(rationale('zscore_20 at 1.43'), shownRounded).unmatched).toEqual([{ text: '1.43', where: 'summary' }])
})
