import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type LexiSim, startLexiSim } from '@pulsetrade/lexi-sim'

// Issue 16: the eval's exit codes (0 ok, 1 gate failed, 2 usage, 3 unreachable) reach the caller of
// the make target. make itself exits 2 for any failing recipe, so the target prints the eval's code
// and writes it to EVAL_EXIT_FILE, and scripts/eval-llm.sh exits with it. Real make, real eval CLI,
// real lexi-sim over loopback.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DATASET = 'tools/llm_eval/datasets/sp500-signals.jsonl'
const out = mkdtempSync(path.join(tmpdir(), 'eval-exit-'))
const CLOSED = 'http://127.0.0.1:18499/v1' // nothing listens in this range's last port

interface Ran {
  code: number | null
  stdout: string
  stderr: string
}
function run(cmd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const base = { ...process.env, ...env }
    if (!('LLM_BASE_URL' in env)) delete base.LLM_BASE_URL
    const child = spawn(cmd, args, { cwd: ROOT, env: base, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
const evalArgs = (baseUrl: string, ...more: string[]): string[] => ['--dataset', DATASET, '--limit', '2', '--base-url', baseUrl, '--out', out, ...more]

let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 5 })
})
afterAll(async () => {
  await sim.close()
})

describe("scripts/eval-llm.sh exits with the eval's own code", () => {
  test('0 when the run passes', async () => {
    const r = await run('scripts/eval-llm.sh', evalArgs(`${sim.url}/v1`))
    expect(r.code, r.stderr).toBe(0)
  }, 120_000)

  test('1 when a gate fails, and make prints that code although it exits 2 itself', async () => {
    const r = await run('scripts/eval-llm.sh', evalArgs(`${sim.url}/v1`, '--max-p50-ms', '1'))
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/gate failed: latency_p50_ms/)
    expect(r.stderr).toMatch(/eval-llm: eval exit code 1 \(1 = a gate failed/)
  }, 120_000)

  test('2 for a usage error', async () => {
    const r = await run('scripts/eval-llm.sh', ['--no-such-flag'])
    expect(r.code).toBe(2)
  }, 120_000)

  test('3 when the endpoint is unreachable; make alone exits 2 and writes 3 to EVAL_EXIT_FILE', async () => {
    const r = await run('scripts/eval-llm.sh', evalArgs(CLOSED))
    expect(r.code, r.stderr).toBe(3)
    const file = path.join(out, 'code')
    const made = await run('make', ['-s', 'eval-llm', `EVAL_EXIT_FILE=${file}`, `ARGS=${evalArgs(CLOSED).join(' ')}`])
    expect(made.code).toBe(2)
    expect(readFileSync(file, 'utf8').trim()).toBe('3')
    expect(made.stderr).toMatch(/eval-llm: eval exit code 3 /)
  }, 120_000)

  test('arguments with spaces reach the eval intact', async () => {
    const spaced = path.join(out, 'with space')
    const r = await run('scripts/eval-llm.sh', ['--dataset', DATASET, '--limit', '2', '--base-url', `${sim.url}/v1`, '--out', spaced, '--run-id', 'spaced'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(readFileSync(path.join(spaced, 'spaced', 'manifest.json'), 'utf8'))).toBeTypeOf('object')
  }, 120_000)
})

describe('which LLM endpoint a target uses is said, not silent', () => {
  test('unset LLM_BASE_URL: the default URL and that nothing answers there / what does', async () => {
    const r = await run('node', ['scripts/llm-endpoint.mjs', 'test-llm'])
    expect(r.stdout).toMatch(
      /^test-llm: LLM endpoint http:\/\/127\.0\.0\.1:8008\/v1 \(LLM_BASE_URL is unset: the default; only `make run` starts a lexi-sim of its own there\): /,
    )
  })

  test('lexi-sim is named a simulator; a closed port is named unreachable', async () => {
    const simRun = await run('node', ['scripts/llm-endpoint.mjs', 'test-llm'], { LLM_BASE_URL: `${sim.url}/v1` })
    expect(simRun.stdout).toBe(`test-llm: LLM endpoint ${sim.url}/v1 (LLM_BASE_URL): lexi-sim, a SIMULATOR with no model behind it (vLLM 0.10.2 behaviour)\n`)
    const closed = await run('node', ['scripts/llm-endpoint.mjs', 'eval-llm', '--base-url', CLOSED], { LLM_BASE_URL: `${sim.url}/v1` })
    expect(closed.stdout).toBe(`eval-llm: LLM endpoint ${CLOSED} (--base-url): nothing answers there (ECONNREFUSED)\n`)
  })
})
