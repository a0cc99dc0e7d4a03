import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect, test } from 'vitest'
import { loadDotEnv } from '@pulsetrade/config'

test('fills unset variables from .env without overriding the real environment', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dotenv-')), '.env')
  writeFileSync(file, '# comment\nLLM_CONCURRENCY=8\nLOG_LEVEL=debug\nQUOTED="a b"\n')
  const env: Record<string, string | undefined> = { LOG_LEVEL: 'warn' }
  expect(loadDotEnv(file, env).sort()).toEqual(['LLM_CONCURRENCY', 'QUOTED'])
  expect(env).toEqual({ LOG_LEVEL: 'warn', LLM_CONCURRENCY: '8', QUOTED: 'a b' })
})

test('a missing .env file changes nothing', () => {
  const env = {}
  expect(loadDotEnv('/nonexistent/.env', env)).toEqual([])
  expect(env).toEqual({})
})
