import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

test('make run stops at once, before starting anything, with one line naming a bad variable', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/run.ts'], {
    cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, LLM_CONCURRENCY: 'abc' },
  })
  expect(r.status).toBe(1)
  expect(r.stderr).toBe('make run: LLM_CONCURRENCY="abc": expected an integer from 1 to 1024\n')
  expect(r.stdout).not.toContain('postgres')
}, 40_000)

test('make lexi-cmd builds the vLLM command from the LLM_* settings', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lexi-cmd.ts'], {
    cwd: ROOT, encoding: 'utf8', timeout: 30_000,
    env: { ...process.env, LLM_MAX_TOKENS: '8192', LLM_DTYPE: 'float16', LLM_GPU_UTILIZATION: '0.85', LLM_API_KEY: 'k-123', LLM_MODEL: '', LLM_TEMPERATURE: '0.2', LLM_TOP_P: '0.9', LLM_MAX_OUTPUT_TOKENS: '300' },
  })
  expect(r.status, r.stderr).toBe(0)
  const cmd = r.stdout.replace(/\\\n\s*/g, '')
  for (const part of ['vllm serve Qwen/Qwen2.5-32B-Instruct', '--served-model-name Lexi', '--port 8008', '--max-model-len 8192',
    '--max-num-seqs 64', '--dtype float16', '--gpu-memory-utilization 0.85', '--generation-config vllm', '--api-key "$LLM_API_KEY"',
    `--override-generation-config '{"temperature":0.2,"top_p":0.9,"max_new_tokens":300}'`]) {
    expect(cmd).toContain(part)
  }
  expect(r.stdout).not.toContain('k-123')
}, 40_000)
