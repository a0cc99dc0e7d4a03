import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, expect, test } from 'vitest'
import { listMigrations, migrate } from '@pulsetrade/db'
import { createDatabase, dropDatabase } from '@pulsetrade/db/testing'
import { pgAdminUrl, runPrefix } from '../../../test/db'

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const created: string[] = []
afterAll(async () => {
  for (const name of created) await dropDatabase(pgAdminUrl(), name)
})

async function emptyDatabase(): Promise<string> {
  const name = `${runPrefix()}_race_${randomBytes(4).toString('hex')}`
  created.push(name)
  return await createDatabase(pgAdminUrl(), name)
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString()
    })
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

async function recorded(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r) => r.id)
  } finally {
    await client.end()
  }
}

const appliedLines = (stdout: string): string[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('applied '))
    .map((l) => l.slice(8))

test('two migration processes started together on an empty database both exit 0 and apply each migration once', async () => {
  const url = await emptyDatabase()
  const all = (await listMigrations()).map((m) => m.name)
  const [a, b] = await Promise.all([runCli(['migrate'], { DATABASE_URL: url }), runCli(['migrate'], { DATABASE_URL: url })])
  expect(a.code, a.stderr).toBe(0)
  expect(b.code, b.stderr).toBe(0)
  const applied = [...appliedLines(a.stdout), ...appliedLines(b.stdout)]
  expect(applied.sort()).toEqual([...all].sort())
  expect(await recorded(url)).toEqual((await listMigrations()).map((m) => m.id))
}, 60_000)

test('two runners racing on independent connections in one process split the work without overlap', async () => {
  const url = await emptyDatabase()
  const [a, b] = await Promise.all([migrate(url), migrate(url)])
  const all = (await listMigrations()).map((m) => m.name)
  expect([...a.applied, ...b.applied].sort()).toEqual([...all].sort())
  expect(a.applied.length === 0 || b.applied.length === 0).toBe(true)
  expect(await recorded(url)).toHaveLength(all.length)
}, 30_000)

test('a second migrate on an up-to-date database applies nothing', async () => {
  const url = await emptyDatabase()
  const first = await runCli(['migrate'], { DATABASE_URL: url })
  const again = await runCli(['migrate'], { DATABASE_URL: url })
  expect(first.code, first.stderr).toBe(0)
  expect(again.code, again.stderr).toBe(0)
  expect(appliedLines(again.stdout)).toEqual([])
  expect(again.stdout).toContain('migrations: 0 applied')
}, 60_000)

test('a bad DATABASE_URL stops the CLI at once with one line naming it', async () => {
  const r = await runCli(['migrate'], { DATABASE_URL: 'mysql://nope' })
  expect(r.code).toBe(1)
  expect(r.stderr.trim()).toBe('config error: DATABASE_URL="mysql://nope": expected a postgres:// or postgresql:// URL')
}, 30_000)
