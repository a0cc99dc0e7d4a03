/**
 * `make lexi-cmd`: prints the host command that serves Lexi with vLLM, built from the LLM_* settings
 * (.env, then the environment). Lexi runs outside compose, on the GPU host, on port 8008.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { commonEnv, ConfigError, loadDotEnv, loadEnv } from '@pulsetrade/config'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
loadDotEnv(path.join(ROOT, '.env'), process.env)
let cfg
try {
  cfg = loadEnv({ ...commonEnv.llm, ...commonEnv.lexiHost }, process.env)
} catch (err) {
  process.stderr.write(err instanceof ConfigError ? `lexi-cmd: ${err.message}\n` : `lexi-cmd: ${String(err)}\n`)
  process.exit(1)
}

const args = [
  'vllm serve Qwen/Qwen2.5-32B-Instruct',
  `--served-model-name ${cfg.LLM_MODEL}`,
  '--host 0.0.0.0 --port 8008',
  `--max-model-len ${cfg.LLM_MAX_TOKENS}`,
  '--max-num-seqs 64',
  // Requests carry `priority` per class (trading first; LLM_PRIORITY_SCHEDULING=1 in the services).
  '--scheduling-policy priority',
  `--dtype ${cfg.LLM_DTYPE}`,
  `--gpu-memory-utilization ${cfg.LLM_GPU_UTILIZATION}`,
  // Neutral sampling defaults: the model's generation_config.json must not fill in omitted fields.
  '--generation-config vllm',
  // Server-side defaults for any request that omits a field (our client always sends them all).
  `--override-generation-config '${JSON.stringify({ temperature: cfg.LLM_TEMPERATURE, top_p: cfg.LLM_TOP_P, max_new_tokens: cfg.LLM_MAX_OUTPUT_TOKENS })}'`,
  ...(cfg.LLM_API_KEY ? ['--api-key "$LLM_API_KEY"'] : []),
]
process.stdout.write(`${args.join(' \\\n  ')}\n`)
if (cfg.LLM_API_KEY) process.stdout.write('# export LLM_API_KEY on the GPU host first (the key itself is not printed)\n')
if (!cfg.LLM_PRIORITY_SCHEDULING) process.stdout.write('# then set LLM_PRIORITY_SCHEDULING=1 for the services, so trading calls go first (docs/llm-client.md)\n')
