import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { expect, test } from 'vitest'
import { commonEnv, loadEnv } from '@pulsetrade/config'

const text = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8')
const lines = text.split('\n')
const shared = { ...commonEnv.db, ...commonEnv.log, ...commonEnv.llm, ...commonEnv.gate }

test('.env.example lists every shared knob', () => {
  const listed = new Set(Object.keys(parseEnv(text)))
  expect(Object.keys(shared).filter((k) => !listed.has(k))).toEqual([])
})

test('every knob in .env.example has a comment line right above it (or shares the one above its group)', () => {
  const uncommented = lines.flatMap((line, i) => {
    if (!/^[A-Z][A-Z0-9_]*=/.test(line)) return []
    const above = lines
      .slice(0, i)
      .reverse()
      .find((l) => !/^[A-Z][A-Z0-9_]*=/.test(l))
    return above?.startsWith('#') ? [] : [line]
  })
  expect(uncommented).toEqual([])
})

test('the values in .env.example are valid for the shared schema (copying it to .env changes nothing)', () => {
  expect(loadEnv(shared, parseEnv(text))).toEqual(loadEnv(shared, {}))
})
