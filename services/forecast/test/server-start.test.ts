import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { runServiceProcess } from '@pulsetrade/http/testing'

const ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url))

test('the worker refuses to start on a bad value with one line naming the variable', async () => {
  const { code, output } = await runServiceProcess(ENTRY, { DATABASE_URL: 'postgres://u@127.0.0.1:1/none', LLM_CONCURRENCY: 'abc' })
  expect(code).toBe(1)
  expect(output.trim()).toBe('forecast: LLM_CONCURRENCY="abc": expected an integer from 1 to 1024')
})
