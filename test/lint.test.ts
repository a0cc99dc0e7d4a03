import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { afterAll, beforeAll, expect, test } from 'vitest'

/**
 * Plants files that break the dependency rules of design section 3 and lints them with the repo's
 * own eslint.config.js through the ESLint Node API. The files live only for the duration of the lint.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const id = `${process.pid}${Date.now().toString(36)}`
const probe = {
  target: `services/admin/src/__lint-probe-target-${id}.ts`,
  service: `services/api/src/__lint-probe-${id}.ts`,
  lib: `libs/config/src/__lint-probe-${id}.ts`,
  cycleA: `libs/config/src/__lint-probe-cycle-a-${id}.ts`,
  cycleB: `libs/config/src/__lint-probe-cycle-b-${id}.ts`,
  clean: `libs/config/test/__lint-probe-clean-${id}.ts`,
  trading: `libs/trading/src/__lint-probe-${id}.ts`,
  tradingTest: `libs/trading/test/__lint-probe-${id}.ts`,
  bareError: `services/forecast/src/__lint-probe-errors-${id}.ts`,
  bareErrorTest: `services/forecast/test/__lint-probe-errors-${id}.ts`,
}
const base = (p: string): string => path.basename(p, '.ts')

const sources: Record<keyof typeof probe, string> = {
  target: 'export const adminThing = 1\n',
  service:
    [
      `import { adminThing } from '../../admin/src/${base(probe.target)}'`,
      `import * as adminApp from '@pulsetrade/admin/app'`,
      'export const used = [adminThing, adminApp]',
    ].join('\n') + '\n',
  lib:
    [
      `import { used } from '../../../services/api/src/${base(probe.service)}'`,
      `import * as apiApp from '@pulsetrade/api/app'`,
      `import Fastify from 'fastify'`,
      `import type { FastifyInstance } from 'fastify'`,
      `import { createPool } from '@pulsetrade/db/src/pool'`,
      `import { migrate } from '../../db/src/migrate'`,
      'export const a: any = [used, apiApp, Fastify, createPool, migrate]',
      '// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the probe needs one commented escape',
      'export const b: any = 2',
      '// eslint-disable-next-line @typescript-eslint/no-explicit-any',
      'export const c: any = 3',
      'console.log(process.env.LLM_MODEL)',
      'export type App = FastifyInstance',
    ].join('\n') + '\n',
  bareError: "export function f (): never { throw new Error('x') }\nexport function g (): never { throw new RangeError('y') }\n",
  bareErrorTest: "export function f (): never { throw new Error('x') }\n",
  cycleA: `import { b } from './${base(probe.cycleB)}'\nexport const a = () => b\n`,
  cycleB: `import { a } from './${base(probe.cycleA)}'\nexport const b = () => a\n`,
  clean:
    [
      `import { loadEnv } from '@pulsetrade/config'`,
      `import { createPool } from '@pulsetrade/db'`,
      `import { pgAdminUrl } from '../../../test/db'`,
      `import type { FastifyInstance } from 'fastify'`,
      'export const all: unknown[] = [loadEnv, createPool, pgAdminUrl]',
      'export type App = FastifyInstance',
    ].join('\n') + '\n',
  trading:
    [
      `import { evaluateGate } from '@pulsetrade/llm'`,
      `import type { RiskCheck } from '@pulsetrade/llm'`,
      `import { PROMPT_CONTRACTS } from '../../llm/src/registry/prompt-contracts'`,
      `import { createPool } from '@pulsetrade/db'`,
      'export const all: unknown[] = [evaluateGate, PROMPT_CONTRACTS, createPool]',
      'export type Check = RiskCheck',
    ].join('\n') + '\n',
  tradingTest: [`import type { GateVerdict } from '@pulsetrade/llm'`, 'export type Verdict = GateVerdict'].join('\n') + '\n',
}

/** ruleIds reported per planted file, by line. */
const found: Partial<Record<keyof typeof probe, Map<number, string[]>>> = {}

beforeAll(async () => {
  const eslint = new ESLint({ cwd: ROOT })
  try {
    for (const [key, rel] of Object.entries(probe)) {
      mkdirSync(path.dirname(path.join(ROOT, rel)), { recursive: true })
      writeFileSync(path.join(ROOT, rel), sources[key as keyof typeof probe])
    }
    const results = await eslint.lintFiles(Object.values(probe).map((rel) => path.join(ROOT, rel)))
    for (const [key, rel] of Object.entries(probe)) {
      const r = results.find((x) => x.filePath === path.join(ROOT, rel))
      const byLine = new Map<number, string[]>()
      for (const m of r?.messages ?? []) byLine.set(m.line, [...(byLine.get(m.line) ?? []), m.ruleId ?? m.message])
      found[key as keyof typeof probe] = byLine
    }
  } finally {
    for (const rel of Object.values(probe)) rmSync(path.join(ROOT, rel), { force: true })
  }
}, 120_000)

afterAll(() => {
  for (const rel of Object.values(probe)) rmSync(path.join(ROOT, rel), { force: true })
})

const rulesAt = (key: keyof typeof probe, line: number): string[] => found[key]?.get(line) ?? []

test('a service importing another service is an error, by relative path and by package name', () => {
  expect(rulesAt('service', 1)).toEqual(expect.arrayContaining(['import-x/no-restricted-paths', 'pulsetrade/no-cross-package-relative']))
  expect(rulesAt('service', 2)).toContain('@typescript-eslint/no-restricted-imports')
})

test('a lib importing a service is an error, by relative path and by package name', () => {
  expect(rulesAt('lib', 1)).toEqual(expect.arrayContaining(['import-x/no-restricted-paths', 'pulsetrade/no-cross-package-relative']))
  expect(rulesAt('lib', 2)).toContain('@typescript-eslint/no-restricted-imports')
})

test('a lib importing fastify at runtime is an error, a type-only import is not', () => {
  expect(rulesAt('lib', 3)).toContain('@typescript-eslint/no-restricted-imports')
  expect(rulesAt('lib', 4)).toEqual([])
})

test('deep imports into another package are errors, through the package name or a relative path', () => {
  expect(rulesAt('lib', 5)).toContain('@typescript-eslint/no-restricted-imports')
  expect(rulesAt('lib', 6)).toContain('pulsetrade/no-cross-package-relative')
})

test('any is an error unless disabled with a comment that says why', () => {
  expect(rulesAt('lib', 7)).toContain('@typescript-eslint/no-explicit-any')
  expect(rulesAt('lib', 8)).toEqual([])
  expect(rulesAt('lib', 9)).toEqual([])
  expect(rulesAt('lib', 10)).toContain('@eslint-community/eslint-comments/require-description')
})

test('library code may not log with console nor read process.env', () => {
  expect(rulesAt('lib', 12)).toEqual(expect.arrayContaining(['no-console', 'no-restricted-properties']))
})

test('source code throws typed errors, never a bare Error (tests may)', () => {
  expect(rulesAt('bareError', 1)).toContain('no-restricted-syntax')
  expect(rulesAt('bareError', 2)).toEqual([])
  expect(rulesAt('bareErrorTest', 1)).toEqual([])
})

test('an import cycle is an error', () => {
  expect(rulesAt('cycleA', 1)).toContain('import-x/no-cycle')
  expect(rulesAt('cycleB', 1)).toContain('import-x/no-cycle')
})

test('package imports, type-only fastify and the root test helpers are allowed in a test file', () => {
  expect(Object.fromEntries(found.clean ?? new Map())).toEqual({})
})

test('libs/trading never imports libs/llm, not even a type, not from its tests, and not by relative path', () => {
  expect(rulesAt('trading', 1)).toContain('@typescript-eslint/no-restricted-imports')
  expect(rulesAt('trading', 2)).toContain('@typescript-eslint/no-restricted-imports')
  expect(rulesAt('trading', 3)).toEqual(expect.arrayContaining(['import-x/no-restricted-paths', 'pulsetrade/no-cross-package-relative']))
  expect(rulesAt('trading', 4)).toEqual([])
  expect(rulesAt('tradingTest', 1)).toContain('@typescript-eslint/no-restricted-imports')
})
