import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'

export interface Child {
  name: string
  proc: ChildProcess
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<string>
  isRunning: () => boolean
}

const COLORS = [36, 35, 33, 32, 34, 31]
let next = 0

/** Starts `node --import tsx <script>`, prefixing every output line with `[name]`. */
export function startChild(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Child {
  const color = process.stdout.isTTY ? COLORS[next++ % COLORS.length] : undefined
  const prefix = color ? `\x1b[${color}m[${name}]\x1b[0m ` : `[${name}] `
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  for (const stream of [proc.stdout, proc.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      process.stdout.write(`${prefix}${line}\n`)
    })
  }
  let running = true
  const exited = new Promise<string>((resolve) => {
    proc.on('exit', (code, signal) => {
      running = false
      resolve(signal ?? String(code))
    })
    proc.on('error', (err) => {
      running = false
      resolve(err.message)
    })
  })
  return { name, proc, exited, isRunning: () => running }
}

/** SIGTERM, then SIGKILL after graceMs. */
export async function stopChild(child: Child, graceMs: number): Promise<void> {
  if (!child.isRunning()) return
  child.proc.kill('SIGTERM')
  const done = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)])
  if (!done) {
    child.proc.kill('SIGKILL')
    await child.exited
  }
}

/** Polls url until it answers 2xx, the child exits, or timeoutMs passes. */
export async function waitForHttp(url: string, child: Child | null, timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (child && !child.isRunning()) return 'exited'
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return 'ready'
    await sleep(250)
  }
  return 'timeout'
}
