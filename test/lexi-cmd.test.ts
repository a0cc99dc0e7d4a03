import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { buildLexiCommand, formatLexiCommand, LEXI_ENV, loadLexiConfig } from '../scripts/lexi-cmd'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The runbook's launch command of Lexi on its GPU host (4 GPUs, float16, 0.88). */
const RUNBOOK = `CUDA_VISIBLE_DEVICES=0,1,2,3 vllm serve Qwen/Qwen2.5-32B-Instruct \\
  --served-model-name Lexi \\
  --tensor-parallel-size 4 \\
  --dtype float16 \\
  --max-model-len 4096 \\
  --gpu-memory-utilization 0.88 \\
  --max-num-seqs 64 \\
  --swap-space 16 \\
  --distributed-executor-backend mp \\
  --trust-remote-code \\
  --download-dir /models \\
  --disable-custom-all-reduce \\
  --host 0.0.0.0 \\
  --port 8008`

/** Shell words → [env assignments, program and positional, then each flag with its value]. */
function flags(command: string): string[] {
  const words = command
    .replace(/\\\n\s*/g, ' ')
    .trim()
    .split(/\s+/)
  const out: string[] = []
  let program = false
  for (const w of words) {
    if (!program && /^[A-Z_]+=/.test(w)) {
      out.push(w)
      continue
    }
    if (!program || w.startsWith('--')) {
      out.push(w)
      program = true
      continue
    }
    out[out.length - 1] += ` ${w}`
  }
  return out
}
const commandPart = (printed: string): string =>
  printed
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    .trim()

/** The knobs `make lexi-cmd` reads, at the values .env.example gives them (the runbook's host). */
const example = parseEnv(readFileSync(new URL('../.env.example', import.meta.url), 'utf8'))
const runbookEnv = Object.fromEntries(Object.keys(LEXI_ENV).map((k) => [k, example[k] ?? '']))

test('the builder with the runbook values (the defaults) is the runbook command, flag for flag', () => {
  const printed = formatLexiCommand(buildLexiCommand(loadLexiConfig({})))
  expect(flags(commandPart(printed))).toEqual(flags(RUNBOOK))
  expect(commandPart(printed)).toBe(RUNBOOK)
})

test('make lexi-cmd with .env.example values prints the runbook command, then the recommended additions as comments', () => {
  // Every knob set explicitly, so a developer's .env cannot change what is compared.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lexi-cmd.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...runbookEnv },
  })
  expect(r.status, r.stderr).toBe(0)
  expect(flags(commandPart(r.stdout))).toEqual(flags(RUNBOOK))
  const comments = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .join('\n')
  for (const flag of ['--enable-prefix-caching', '--scheduling-policy priority', '--generation-config vllm', '--override-generation-config']) {
    expect(comments).toContain(flag)
  }
}, 40_000)

test('each flag follows its knob; extra flags, the API key and priority scheduling are added', () => {
  const c = loadLexiConfig({
    LEXI_CUDA_VISIBLE_DEVICES: '0,1',
    LEXI_MODEL_PATH: '/data/Qwen2.5-32B-Instruct-AWQ',
    LLM_MODEL: 'Lexi-awq',
    LEXI_TENSOR_PARALLEL_SIZE: '2',
    LLM_DTYPE: 'bfloat16',
    LLM_MAX_TOKENS: '8192',
    LLM_GPU_UTILIZATION: '0.8',
    LEXI_MAX_NUM_SEQS: '32',
    LEXI_SWAP_SPACE: '4',
    LEXI_DISTRIBUTED_EXECUTOR_BACKEND: 'ray',
    LEXI_TRUST_REMOTE_CODE: '0',
    LEXI_DOWNLOAD_DIR: '/srv/hf cache',
    LEXI_DISABLE_CUSTOM_ALL_REDUCE: 'false',
    LEXI_HOST: '10.0.0.5',
    LEXI_PORT: '9000',
    LEXI_EXTRA_ARGS: '--enable-prefix-caching --quantization awq',
    LLM_API_KEY: 'k-secret-123',
    LLM_PRIORITY_SCHEDULING: '1',
  })
  const cmd = buildLexiCommand(c)
  expect(flags(commandPart(formatLexiCommand(cmd)))).toEqual([
    'CUDA_VISIBLE_DEVICES=0,1',
    'vllm serve /data/Qwen2.5-32B-Instruct-AWQ',
    '--served-model-name Lexi-awq',
    '--tensor-parallel-size 2',
    '--dtype bfloat16',
    '--max-model-len 8192',
    '--gpu-memory-utilization 0.8',
    '--max-num-seqs 32',
    '--swap-space 4',
    '--distributed-executor-backend ray',
    "--download-dir '/srv/hf cache'",
    '--host 10.0.0.5',
    '--port 9000',
    '--scheduling-policy priority',
    '--api-key "$LLM_API_KEY"',
    '--enable-prefix-caching',
    '--quantization awq',
  ])
  const text = formatLexiCommand(cmd)
  expect(text).not.toContain('k-secret-123')
  // What is already in the command is no longer recommended.
  expect(cmd.recommended.join('\n')).not.toMatch(/--enable-prefix-caching|--scheduling-policy/)
  expect(cmd.recommended.join('\n')).toContain('export LLM_API_KEY')
})

test('a bad knob stops make lexi-cmd with one line naming it', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lexi-cmd.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...runbookEnv, LEXI_TENSOR_PARALLEL_SIZE: 'four' },
  })
  expect(r.status).toBe(1)
  expect(r.stderr).toBe('lexi-cmd: LEXI_TENSOR_PARALLEL_SIZE="four": expected an integer from 1 to 64\n')
  expect(r.stdout).toBe('')
}, 40_000)
