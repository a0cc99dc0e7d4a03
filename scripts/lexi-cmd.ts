/**
 * `make lexi-cmd`: prints the host command that serves Lexi with vLLM, flag for flag the runbook's
 * launch command when the knobs hold the runbook's values (the defaults, .env.example), built from
 * the LEXI_* and LLM_* settings (.env, then the environment). Lexi runs outside compose, on the GPU
 * host. Recommended additions that are not in the runbook's command follow as comment lines.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { commonEnv, ConfigError, envField, loadDotEnv, loadEnv } from '@pulsetrade/config'

/**
 * Only for `make lexi-cmd` (the host vLLM launch command). The defaults are the runbook's GPU host;
 * the served name and --max-model-len come from LLM_MODEL and LLM_MAX_TOKENS.
 */
export const LEXI_HOST_ENV = {
  LEXI_CUDA_VISIBLE_DEVICES: envField.string({ minLength: 1 }).default('0,1,2,3'),
  LEXI_MODEL_PATH: envField.string({ minLength: 1 }).default('Qwen/Qwen2.5-32B-Instruct'),
  LEXI_TENSOR_PARALLEL_SIZE: envField.int({ min: 1, max: 64 }).default(4),
  LLM_DTYPE: envField.oneOf(['auto', 'bfloat16', 'float16', 'half', 'float', 'float32']).default('float16'),
  LLM_GPU_UTILIZATION: envField.number({ min: 0, max: 1, aboveMin: true }).default(0.88),
  LEXI_MAX_NUM_SEQS: envField.int({ min: 1, max: 4096 }).default(64),
  LEXI_SWAP_SPACE: envField.number({ min: 0, max: 1024 }).default(16),
  LEXI_DISTRIBUTED_EXECUTOR_BACKEND: envField.oneOf(['mp', 'ray', 'uni', 'external_launcher']).default('mp'),
  LEXI_TRUST_REMOTE_CODE: envField.boolean().default(true),
  LEXI_DOWNLOAD_DIR: envField.string({ minLength: 1 }).default('/models'),
  LEXI_DISABLE_CUSTOM_ALL_REDUCE: envField.boolean().default(true),
  LEXI_HOST: envField.string({ minLength: 1 }).default('0.0.0.0'),
  LEXI_PORT: envField.port().default(8008),
  LEXI_EXTRA_ARGS: envField.string().default(''),
}
export const LEXI_ENV = { ...commonEnv.llm, ...LEXI_HOST_ENV }
export type LexiConfig = ReturnType<typeof loadLexiConfig>
export const loadLexiConfig = (env: Record<string, string | undefined>) => loadEnv(LEXI_ENV, env)

/** A value as one shell word (quoted only when it needs to be). */
const word = (v: string | number): string => {
  const s = String(v)
  return /^[\w./:,=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`
}

export interface LexiCommand {
  /** `NAME=value` prefixes, then `vllm serve <model>`, then one entry per flag (with its value). */
  env: string[]
  serve: string
  flags: string[]
  /** Comment lines: additions the runbook's command lacks, with why. */
  recommended: string[]
}

/** Pure: the settings → the launch command. */
export function buildLexiCommand(c: LexiConfig): LexiCommand {
  const flags = [
    `--served-model-name ${word(c.LLM_MODEL)}`,
    `--tensor-parallel-size ${c.LEXI_TENSOR_PARALLEL_SIZE}`,
    `--dtype ${c.LLM_DTYPE}`,
    `--max-model-len ${c.LLM_MAX_TOKENS}`,
    `--gpu-memory-utilization ${c.LLM_GPU_UTILIZATION}`,
    `--max-num-seqs ${c.LEXI_MAX_NUM_SEQS}`,
    `--swap-space ${c.LEXI_SWAP_SPACE}`,
    `--distributed-executor-backend ${c.LEXI_DISTRIBUTED_EXECUTOR_BACKEND}`,
    ...(c.LEXI_TRUST_REMOTE_CODE ? ['--trust-remote-code'] : []),
    `--download-dir ${word(c.LEXI_DOWNLOAD_DIR)}`,
    ...(c.LEXI_DISABLE_CUSTOM_ALL_REDUCE ? ['--disable-custom-all-reduce'] : []),
    `--host ${word(c.LEXI_HOST)}`,
    `--port ${c.LEXI_PORT}`,
    // The client sends priorities only with LLM_PRIORITY_SCHEDULING=1; a Lexi without the policy answers them 400.
    ...(c.LLM_PRIORITY_SCHEDULING ? ['--scheduling-policy priority'] : []),
    // The key itself is never printed: the GPU host exports it.
    ...(c.LLM_API_KEY ? ['--api-key "$LLM_API_KEY"'] : []),
    ...(c.LEXI_EXTRA_ARGS.trim() ? [c.LEXI_EXTRA_ARGS.trim()] : []),
  ]
  const has = (flag: string): boolean => flags.some((f) => f === flag || f.startsWith(`${flag} `) || f.includes(` ${flag}`))
  const sampling = JSON.stringify({ temperature: c.LLM_TEMPERATURE, top_p: c.LLM_TOP_P, max_new_tokens: c.LLM_MAX_OUTPUT_TOKENS })
  const advice: Array<[string, string]> = [
    [
      '--enable-prefix-caching',
      'every prompt version repeats its system text: cached prefixes cut prefill time (the default in vLLM V1; explicit on older versions)',
    ],
    ['--scheduling-policy priority', 'with LLM_PRIORITY_SCHEDULING=1 on the clients: trading calls are served before chat and batch work (docs/llm-client.md)'],
    ['--generation-config vllm', "vLLM's neutral sampling defaults instead of the model's generation_config.json (temperature 0.7, top_p 0.8)"],
    [`--override-generation-config '${sampling}'`, 'server-side defaults for requests that omit them, from LLM_TEMPERATURE, LLM_TOP_P, LLM_MAX_OUTPUT_TOKENS'],
  ]
  const todo = advice.filter(([flag]) => !has(flag.split(' ')[0]!))
  const recommended =
    todo.length === 0
      ? []
      : ["# recommended additions, not in the runbook's command (append them with LEXI_EXTRA_ARGS):", ...todo.map(([flag, why]) => `#   ${flag}   ${why}`)]
  if (c.LLM_API_KEY) recommended.push('# export LLM_API_KEY on the GPU host first (the key itself is not printed)')
  return { env: [`CUDA_VISIBLE_DEVICES=${word(c.LEXI_CUDA_VISIBLE_DEVICES)}`], serve: `vllm serve ${word(c.LEXI_MODEL_PATH)}`, flags, recommended }
}

/** The command as printed: one flag per line, then the comment lines. */
export function formatLexiCommand(cmd: LexiCommand): string {
  const head = `${[...cmd.env, cmd.serve].join(' ')}`
  return `${[head, ...cmd.flags].join(' \\\n  ')}\n${cmd.recommended.map((l) => `${l}\n`).join('')}`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ROOT = fileURLToPath(new URL('..', import.meta.url))
  loadDotEnv(path.join(ROOT, '.env'), process.env)
  try {
    process.stdout.write(formatLexiCommand(buildLexiCommand(loadLexiConfig(process.env))))
  } catch (err) {
    process.stderr.write(err instanceof ConfigError ? `lexi-cmd: ${err.message}\n` : `lexi-cmd: ${String(err)}\n`)
    process.exit(1)
  }
}
