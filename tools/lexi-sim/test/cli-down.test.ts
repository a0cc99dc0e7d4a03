import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, test } from 'vitest'
import { parseCliArgs } from '../src/cli-args'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
let child: ChildProcess | null = null
afterEach(() => {
  if (child !== null && child.exitCode === null) child.kill('SIGKILL')
  child = null
})

const post = (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const chat = (base: string): Promise<Response> =>
  post(`${base}/v1/chat/completions`, { model: 'Lexi', messages: [{ role: 'user', content: 'Reply with exactly OK' }], max_tokens: 5 })

/** Starts `tools/lexi-sim/src/cli.ts` the way `make sim` does and reads both URLs from its stdout. */
async function startCli(args: string[]): Promise<{ proc: ChildProcess; url: string; controlUrl: string }> {
  const proc = (child = spawn(process.execPath, ['--import', 'tsx', 'tools/lexi-sim/src/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }))
  let out = ''
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d
  })
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    out += d
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    const url = /listening on (http:\/\/\S+)\/v1/.exec(out)?.[1]
    const controlUrl = /control routes \(\/sim\/\*\) also on (http:\/\/[^\s:]+:\d+)/.exec(out)?.[1]
    if (url !== undefined && controlUrl !== undefined) return { proc, url, controlUrl }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`lexi-sim did not start: ${out}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

test('make sim: down over HTTP closes the OpenAI port, the process stays up, and down:false serves again', async () => {
  const { proc, url, controlUrl } = await startCli(['--port', '0', '--fixed-latency-ms', '0', '--log-level', 'warn'])
  expect((await chat(url)).status).toBe(200)

  const down = await post(`${url}/sim/faults`, { down: true })
  expect(down.status).toBe(200)
  expect(down.headers.get('x-sim-control-url')).toBe(controlUrl)
  await expect(fetch(`${url}/health`)).rejects.toThrow(/fetch failed/)
  await new Promise((resolve) => setTimeout(resolve, 500))
  expect(proc.exitCode).toBeNull()
  expect(await (await fetch(`${controlUrl}/sim/faults`)).json()).toMatchObject({ down: true })
  expect((await fetch(`${controlUrl}/v1/models`)).status).toBe(404) // the control port serves /sim/* only

  const up = await post(`${controlUrl}/sim/faults`, { down: false })
  expect(up.status).toBe(200)
  expect(await up.json()).toMatchObject({ down: false })
  expect((await fetch(`${url}/health`)).status).toBe(200)
  const answer = await chat(url)
  expect(answer.status).toBe(200)
  const body = (await answer.json()) as { choices: Array<{ message: { content: string } }> }
  expect(body.choices[0]?.message.content).toBe('OK')
  expect(proc.exitCode).toBeNull()

  proc.kill('SIGTERM')
  const [code] = (await once(proc, 'exit')) as [number | null]
  expect(code).toBe(0)
}, 60_000)

test('the control port defaults to --port + 1 (taking any free port when that is taken); --control-port sets it', () => {
  expect(parseCliArgs([], {})).toMatchObject({ controlPort: 8009, controlPortFallback: true })
  expect(parseCliArgs(['--port', '18400'], {})).toMatchObject({ controlPort: 18401, controlPortFallback: true })
  expect(parseCliArgs(['--port', '0'], {})).toMatchObject({ controlPort: 0, controlPortFallback: false })
  expect(parseCliArgs(['--control-port', '18410'], {})).toMatchObject({ controlPort: 18410, controlPortFallback: false })
  expect(() => parseCliArgs(['--port', '18400', '--control-port', '18400'], {})).toThrow('--control-port must differ from --port')
})
