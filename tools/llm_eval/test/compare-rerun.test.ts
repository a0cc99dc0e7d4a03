import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { compareCommand } from '../src/compare-command'
import { evalRunCommand } from '../src/eval-command'
import { DATASET, PROMPTS_FILE, captureContext, readJsonl, tempDir } from './eval-fixtures'

// `pnpm eval compare RUN_A RUN_B` and `pnpm eval run --rerun-failed RUN`, on real runs against lexi-sim.
let sim: LexiSim
let out: string

const run = async (args: string[], env: Record<string, string> = {}): Promise<{ code: number; ctx: ReturnType<typeof captureContext> }> => {
  const ctx = captureContext({ LLM_BASE_URL: `${sim.url}/v1`, LLM_TIMEOUT_MS: '20000', ...env })
  const code = await evalRunCommand(['--prompts-file', PROMPTS_FILE, '--out', out, ...args], ctx)
  return { code, ctx }
}

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 2 })
  out = await tempDir()
}, 30_000)

afterAll(async () => {
  await sim?.close()
})

describe('compare', () => {
  test('pairs rationale@1.0.0 of run A with rationale@1.1.0 of run B and recounts validity and decisions on the shared items', async () => {
    await sim.setFaults({ invalid_json: 0.3 })
    expect((await run(['--dataset', DATASET, '--limit', '40', '--prompt', 'rationale@1.0.0', '--prompt', 'policy', '--run-id', 'A'])).code).toBe(0)
    expect((await run(['--dataset', DATASET, '--limit', '30', '--prompt', 'rationale@1.1.0', '--prompt', 'policy', '--run-id', 'B'])).code).toBe(0)
    await sim.resetFaults()
    const ctx = captureContext({})
    expect(await compareCommand([join(out, 'A'), join(out, 'B'), '--json'], ctx)).toBe(0)
    const c = JSON.parse(ctx.stdout.join('\n'))
    expect(c.items).toEqual({ both: 30, a_only: 10, b_only: 0 })
    expect(c.unmatched).toEqual({ a: [], b: [] })
    expect(c.a.simulated).toBe(true)
    const a = await readJsonl(join(out, 'A', 'records.jsonl'))
    const b = await readJsonl(join(out, 'B', 'records.jsonl'))
    const pairsOf = (armA: string, armB: string) => {
      const other = new Map(b.filter((r) => r.arm === armB).map((r) => [r.item_id, r]))
      return a.filter((r) => r.arm === armA && other.has(r.item_id)).map((r) => [r, other.get(r.item_id) as Record<string, unknown>] as const)
    }
    expect(c.arms.map((x: { a: { arm: string }; b: { arm: string } }) => [x.a.arm, x.b.arm])).toEqual([
      ['policy@1.0.0', 'policy@1.0.0'],
      ['rationale@1.0.0', 'rationale@1.1.0'],
    ])
    for (const x of c.arms) {
      const pairs = pairsOf(x.a.arm, x.b.arm)
      expect(x.pairs).toBe(30)
      expect(x.a.calls).toBe(40)
      expect(x.b.calls).toBe(30)
      expect(x.mcnemar.json_valid_first_try.a_only).toBe(pairs.filter(([p, q]) => p.json_valid_first_try && !q.json_valid_first_try).length)
      expect(x.mcnemar.json_valid_first_try.b_only).toBe(pairs.filter(([p, q]) => !p.json_valid_first_try && q.json_valid_first_try).length)
      const decided = pairs.filter(([p, q]) => p.decision !== null && q.decision !== null)
      expect(x.decisions.both_decided).toBe(decided.length)
      expect(x.decisions.same).toBe(decided.filter(([p, q]) => p.decision === q.decision).length)
      expect(Object.values(x.decisions.changed).reduce((s: number, v) => s + (v as number), 0)).toBe(decided.length - x.decisions.same)
    }
    // The faults must have made some first answers invalid, or the McNemar counts would check nothing.
    expect(a.some((r) => !r.json_valid_first_try)).toBe(true)

    const text = captureContext({})
    expect(await compareCommand([join(out, 'A'), join(out, 'B')], text)).toBe(0)
    expect(text.stdout).toContain('rationale@1.0.0 (A) vs rationale@1.1.0 (B): 30 paired items')
    expect(text.stdout).toContain('warning: at least one run is SIMULATED — not a model evaluation; differences reflect the simulator, not a model')
  }, 90_000)

  test('a folder that is not a run is a usage error naming it', async () => {
    const empty = await tempDir()
    await expect(compareCommand([empty, join(out, 'A')], captureContext({}))).rejects.toThrow(
      expect.objectContaining({
        code: 'EVAL_ERR_USAGE',
        message: expect.stringContaining(`${empty} is not a run folder`),
      }),
    )
    await expect(compareCommand([empty], captureContext({}))).rejects.toThrow('compare takes two run folders, got 1')
  })
})

describe('--rerun-failed', () => {
  test('repeats exactly the failed or errored calls of a run into a new run, and nothing when none failed', async () => {
    // Half the answers invalid, first try and repair: about a quarter of the calls end invalid.
    await sim.setFaults({ invalid_json: 0.5 })
    expect((await run(['--dataset', DATASET, '--limit', '30', '--prompt', 'rationale', '--prompt', 'policy', '--run-id', 'flaky'])).code).toBe(0)
    await sim.resetFaults()
    const first = await readJsonl(join(out, 'flaky', 'records.jsonl'))
    const failed = first
      .filter((r) => !r.schema_valid || r.error_code !== null)
      .map((r) => `${r.arm} ${r.item_id}`)
      .sort()
    expect(failed.length).toBeGreaterThan(0)
    expect(failed.length).toBeLessThan(first.length)

    const again = await run(['--rerun-failed', join(out, 'flaky'), '--run-id', 'flaky-rerun'])
    expect(again.code, again.ctx.stderr.join('\n')).toBe(0)
    const second = await readJsonl(join(out, 'flaky-rerun', 'records.jsonl'))
    expect(second.map((r) => `${r.arm} ${r.item_id}`).sort()).toEqual(failed)
    expect(second.every((r) => r.schema_valid)).toBe(true)
    const m = JSON.parse(await readFile(join(out, 'flaky-rerun', 'manifest.json'), 'utf8'))
    expect(m.dataset).toMatchObject({ rerun_of: join(out, 'flaky'), sample: null, items: new Set(second.map((r) => r.item_id)).size })

    const none = await run(['--rerun-failed', join(out, 'flaky-rerun'), '--run-id', 'nothing'])
    expect(none.code).toBe(0)
    expect(none.ctx.stdout).toEqual([`${join(out, 'flaky-rerun')}: none of its ${second.length} calls failed; nothing to rerun`])
    expect(await readdir(out)).not.toContain('nothing')
  }, 90_000)

  test('takes items and versions from the run folder: --dataset, --prompt or --limit beside it is a usage error', async () => {
    await expect(run(['--rerun-failed', join(out, 'flaky'), '--prompt', 'policy'])).rejects.toThrow(
      expect.objectContaining({
        code: 'EVAL_ERR_USAGE',
        message: expect.stringContaining('--rerun-failed takes its items and prompt versions from the run folder; drop --prompt'),
      }),
    )
  })
})

describe('an endpoint that answers the preflight but no call', () => {
  test('exits 3 when every call fails to reach it, after writing what happened', async () => {
    // /version and /v1/models answer like vLLM; every completion request has its connection cut.
    const server = http.createServer((req, res) => {
      if (req.url === '/v1/models') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ object: 'list', data: [{ id: 'Lexi', object: 'model', root: 'Qwen', max_model_len: 4096 }] }))
        return
      }
      if (req.url === '/version') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.10.1"}')
        return
      }
      req.socket.destroy()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
      const { code, ctx } = await run(['--dataset', DATASET, '--limit', '3', '--prompt', 'policy', '--run-id', 'cut', '--base-url', url], {
        LLM_MAX_RETRIES: '0',
      })
      const records = await readJsonl(join(out, 'cut', 'records.jsonl'))
      expect(records.map((r) => r.error_code)).toEqual(['LLM_ERR_UNREACHABLE', 'LLM_ERR_UNREACHABLE', 'LLM_ERR_UNREACHABLE'])
      expect(code).toBe(3)
      expect(ctx.stderr.at(-1)).toBe(`unreachable: every one of the 3 calls failed to reach ${url} (LLM_ERR_UNREACHABLE)`)
      const m = JSON.parse(await readFile(join(out, 'cut', 'manifest.json'), 'utf8'))
      expect(m.simulated).toEqual({ simulated: false, label: null, evidence: [] })
    } finally {
      await new Promise((r) => server.close(r))
    }
  }, 60_000)
})
