import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

test('make run stops at once, before starting anything, with one line naming a bad variable', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/run.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, LLM_CONCURRENCY: 'abc' },
  })
  expect(r.status).toBe(1)
  expect(r.stderr).toBe('make run: LLM_CONCURRENCY="abc": expected an integer from 1 to 1024\n')
  expect(r.stdout).not.toContain('postgres')
}, 40_000)

test('make run refuses a token containing whitespace before starting anything, without printing it (issue 15)', () => {
  for (const [name, value] of [
    ['ADMIN_TOKEN', 'admin token 0123456789abcdef'],
    ['CHAT_TOKENS', 'ops=chat token 0123456789abcdef'],
  ]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/run.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, [name!]: value },
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^make run: ${name}="<\\d+ characters, hidden>": expected `))
    expect(r.stderr).not.toContain('0123456789abcdef')
    expect(r.stdout).not.toContain('postgres')
  }
}, 60_000)
