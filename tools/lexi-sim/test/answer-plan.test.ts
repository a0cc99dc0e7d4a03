import { expect, test } from 'vitest'
import { planAnswer, type PlanInput } from '../src/answer-plan'

const base: PlanInput = {
  answer: { kind: 'text' },
  seed: 11,
  maxTokens: 1000,
  stop: [],
  includeStopStrInOutput: false,
  ignoreEos: false,
  healthReply: null,
  textTokens: [30, 30],
  jsonFault: null,
}

test('a natural answer ends with an EOS token counted in completion tokens', () => {
  const p = planAnswer(base)
  expect([p.deltas.length, p.finishReason, p.deltas.at(-1)]).toEqual([31, 'stop', ''])
})

test('the budget cuts with "length" exactly when it runs out before EOS', () => {
  expect(planAnswer({ ...base, maxTokens: 30 })).toMatchObject({ finishReason: 'length', deltas: expect.any(Array) })
  expect(planAnswer({ ...base, maxTokens: 30 }).deltas).toHaveLength(30)
  expect(planAnswer({ ...base, maxTokens: 31 }).finishReason).toBe('stop')
  expect(planAnswer({ ...base, ignoreEos: true, maxTokens: 77 })).toMatchObject({ finishReason: 'length' })
})

test('the health prompt answers OK, or the configured reply', () => {
  expect(planAnswer({ ...base, answer: { kind: 'health' } }).text).toBe('OK')
  expect(planAnswer({ ...base, answer: { kind: 'health' }, healthReply: 'Ok.' }).text).toBe('Ok.')
})

test('stop strings count the tokens that completed them and hide them unless asked', () => {
  const full = planAnswer(base).text
  const stop = full.slice(20, 26)
  const at = full.indexOf(stop)
  const cut = planAnswer({ ...base, stop: [stop] })
  expect(cut).toMatchObject({ finishReason: 'stop', stopReason: stop, text: full.slice(0, at) })
  expect(planAnswer({ ...base, stop: [stop], includeStopStrInOutput: true }).text).toBe(full.slice(0, at + stop.length))
  expect(cut.deltas.join('')).toBe(cut.text)
})
