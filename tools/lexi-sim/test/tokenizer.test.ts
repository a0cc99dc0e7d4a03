import { expect, test } from 'vitest'
import { chatTemplatePieces, countChatTokens, countTextTokens, QWEN_DEFAULT_SYSTEM_PROMPT, tokenizeText } from '../src/tokenizer'

test('tokens rejoin to the original text and the count matches the pieces', () => {
  for (const text of [
    'Hello, world!',
    '  leading spaces\n\nand\tnewlines  ',
    'price 123.45 up 7%',
    'naïve café — ünïcödé 😀 ok',
    '{"a":[1,2,{"b":"c"}]}',
    '',
  ]) {
    const pieces = tokenizeText(text)
    expect(pieces.join('')).toBe(text)
    expect(countTextTokens(text)).toBe(pieces.length)
  }
})

test('the rules: letters by 6, digits one each, punctuation by 3, whitespace by 4', () => {
  expect(tokenizeText('Hello')).toEqual(['Hello'])
  expect(tokenizeText(' extraordinary')).toEqual([' extra', 'ordina', 'ry'])
  expect(tokenizeText('2024')).toEqual(['2', '0', '2', '4'])
  expect(tokenizeText('!!!!!')).toEqual(['!!!', '!!'])
  expect(tokenizeText('a\n\n\n\n\nb')).toEqual(['a', '\n\n\n\n', '\n', 'b'])
})

test('English prose averages close to 4 characters per token', () => {
  const prose = 'The market rallied on Tuesday as investors weighed fresh inflation data against signs of slowing growth, while bond yields fell.'
  const ratio = prose.length / countTextTokens(prose)
  expect(ratio).toBeGreaterThan(3.5)
  expect(ratio).toBeLessThan(5.5)
})

test('the chat template adds 5 per message, 3 for the generation prompt and the default system prompt when none is sent', () => {
  const user = [{ role: 'user', content: 'Hi there' }]
  const system = countTextTokens(QWEN_DEFAULT_SYSTEM_PROMPT) + 5
  expect(countChatTokens(user)).toBe(system + 5 + countTextTokens('Hi there') + 3)
  expect(countChatTokens([{ role: 'system', content: QWEN_DEFAULT_SYSTEM_PROMPT }, ...user])).toBe(countChatTokens(user))
  expect(countChatTokens(user, { addGenerationPrompt: false })).toBe(countChatTokens(user) - 3)
  expect(countChatTokens(user, { continueFinalMessage: true })).toBe(countChatTokens(user) - 5)
  expect(chatTemplatePieces(user)).toHaveLength(countChatTokens(user))
  expect(chatTemplatePieces(user).slice(0, 3)).toEqual(['<|im_start|>', 'system', '\n'])
  expect(chatTemplatePieces(user).slice(-3)).toEqual(['<|im_start|>', 'assistant', '\n'])
})
