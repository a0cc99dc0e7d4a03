import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

/** Test support: runs a service's server.ts as a real process (node --import tsx). */

/** The service process ended, or did not answer its ready path in time, before it was ready. */
export class ServiceProcessError extends Error {
  code = 'HTTP_ERR_SERVICE_PROCESS'
  constructor(message: string) {
    super(message)
    this.name = 'ServiceProcessError'
  }
}

export interface ServiceProcess {
  url: string
  port: number
  /** Sends the signal and resolves with how the process ended. */
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>
  output: () => string
}

/** A free local TCP port (bound, then released). */
export async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  await new Promise((resolve) => srv.close(resolve))
  return port
}

function launch(
  entry: string,
  env: Record<string, string>,
  cwd: string,
): { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  // Only the given variables: nothing from the test runner's own environment leaks in.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString()
  })
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, output: () => out, exited }
}

/** Runs entry to completion (or kills it after timeoutMs) and returns its exit code and output. */
export async function runServiceProcess(
  entry: string,
  env: Record<string, string>,
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; output: string }> {
  const p = launch(entry, env, opts.cwd ?? process.cwd())
  const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 15_000)
  const { code } = await p.exited
  clearTimeout(timer)
  return { code, output: p.output() }
}

/** Starts entry with PORT set to a free port and waits until GET readyPath answers 200. */
export async function startServiceProcess(
  entry: string,
  env: Record<string, string>,
  opts: { cwd?: string; readyPath?: string; timeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const port = await freePort()
  const p = launch(entry, { HOST: '127.0.0.1', ...env, PORT: String(port) }, opts.cwd ?? process.cwd())
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  let exit: { code: number | null } | null = null
  void p.exited.then((e) => {
    exit = e
  })
  for (;;) {
    if (exit !== null) throw new ServiceProcessError(`${entry} exited (${(exit as { code: number | null }).code}) before it was ready:\n${p.output()}`)
    if (Date.now() > deadline) {
      p.child.kill('SIGKILL')
      throw new ServiceProcessError(`${entry} not ready within ${opts.timeoutMs ?? 20_000} ms:\n${p.output()}`)
    }
    const ok = await fetch(`${url}${opts.readyPath ?? '/healthz'}`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    port,
    output: p.output,
    stop: async (signal = 'SIGTERM') => {
      const started = Date.now()
      p.child.kill(signal)
      const e = await p.exited
      return { ...e, ms: Date.now() - started }
    },
  }
}
