import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { SimStatsSnapshot } from '@pulsetrade/lexi-sim'

const SIM_CLI = fileURLToPath(new URL('../../tools/lexi-sim/src/cli.ts', import.meta.url))

export interface SimProcess {
  /** `http://127.0.0.1:<port>` (clients append /v1). */
  url: string
  stats: () => Promise<SimStatsSnapshot>
  resetStats: () => Promise<void>
  close: () => Promise<void>
}

/**
 * lexi-sim as a separate process (its own event loop and core, like a real Lexi), started through
 * its CLI with the given flags on a free port. Resolves once it listens.
 */
export async function startSimProcess(flags: string[], startTimeoutMs = 60_000): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SIM_CLI, '--port', '0', '--log-level', 'warn', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`lexi-sim did not listen within ${startTimeoutMs} ms`))
    }, startTimeoutMs)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/\S+)\/v1/.exec(out)
      if (m?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`lexi-sim exited with ${code} before listening`))
    })
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    url,
    stats: async () => (await fetch(`${url}/sim/stats`)).json() as Promise<SimStatsSnapshot>,
    resetStats: async () => {
      await (await fetch(`${url}/sim/reset`, { method: 'POST' })).text()
    },
    close: async () => {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(t)
    },
  }
}
