import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, test } from 'vitest'
import { freePort } from '@pulsetrade/http/testing'
import { testDatabase } from '../../../../test/db'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const TOKEN = 'dist-console-token-0123456789'
const dirs: string[] = []
let admin: ChildProcess | null = null
afterAll(async () => {
  if (admin !== null && admin.exitCode === null) {
    admin.kill('SIGTERM')
    await once(admin, 'exit')
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const tmp = (prefix: string): string => {
  const d = mkdtempSync(path.join(tmpdir(), prefix))
  dirs.push(d)
  return d
}

async function run(args: string[], cwd: string): Promise<string> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  expect(code, out).toBe(0)
  return out
}

/**
 * The image's admin: scripts/build-dist.ts (the Dockerfile's build step) into a scratch directory,
 * then `node dist/admin.mjs` started from an unrelated directory with no node_modules anywhere near
 * it. The console page, its modules and uPlot must come out of the bundle's own tree.
 */
test('the bundled admin (no node_modules) serves the console page and uPlot from another cwd', async () => {
  const db = await testDatabase()
  const out = tmp('console-dist-')
  const built = await run(['--import', 'tsx', 'scripts/build-dist.ts', '--out', out], ROOT)
  expect(built).toMatch(/services\/admin\/console\//)
  expect(existsSync(path.join(out, 'node_modules'))).toBe(false)
  expect(existsSync(path.join(out, 'services/admin/console/vendor/uplot/uPlot.esm.js'))).toBe(true)

  const port = await freePort()
  const elsewhere = tmp('console-cwd-')
  admin = spawn(process.execPath, [path.join(out, 'dist/admin.mjs')], {
    cwd: elsewhere,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: db.url,
      ADMIN_TOKEN: TOKEN,
      LLM_BASE_URL: 'http://127.0.0.1:9/v1',
      // The prompts file is a cwd-relative default (the image's WORKDIR); name it, as another cwd is the point here.
      LLM_PROMPTS_PATH: path.join(out, 'configs/llm_prompts.yaml'),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  admin.stdout?.on('data', (d: Buffer) => (log += d.toString()))
  admin.stderr?.on('data', (d: Buffer) => (log += d.toString()))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) break
    if (admin.exitCode !== null || Date.now() > deadline) throw new Error(`dist admin did not start: ${log}`)
    await new Promise((r) => setTimeout(r, 100))
  }

  const page = await fetch(`${base}/console/`)
  expect(page.status, log).toBe(200)
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
  for (const [url, type] of [
    ['/console/app.js', 'text/javascript; charset=utf-8'],
    ['/console/views/outcomes.js', 'text/javascript; charset=utf-8'],
    ['/console/console.css', 'text/css; charset=utf-8'],
    ['/console/vendor/uplot/uPlot.min.css', 'text/css; charset=utf-8'],
  ]) {
    const r = await fetch(`${base}${url}`)
    expect(r.status, url).toBe(200)
    expect(r.headers.get('content-type'), url).toBe(type)
  }
  const uplot = await fetch(`${base}/console/vendor/uplot/uPlot.esm.js`)
  expect(uplot.status).toBe(200)
  const fromPackage = readFileSync(createRequire(path.join(ROOT, 'services/admin/package.json')).resolve('uplot/dist/uPlot.esm.js'), 'utf8')
  expect(await uplot.text()).toBe(fromPackage)
  expect((await fetch(`${base}/console/session`)).status).toBe(401)
}, 120_000)
