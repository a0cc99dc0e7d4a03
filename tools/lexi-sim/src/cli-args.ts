import { parseArgs } from 'node:util'
import type { SimFaults } from './faults'
import { type LexiSimOptions, SimOptionsError } from './options'

/** Flag name → option key and kind. Every option and every fault has one. */
const NUMBERS = {
  port: 'port',
  'max-model-len': 'maxModelLen',
  'max-num-seqs': 'maxNumSeqs',
  'max-queued': 'maxQueued',
  'kv-cache-tokens': 'kvCacheTokens',
  seed: 'seed',
  'time-scale': 'timeScale',
  'fixed-latency-ms': 'fixedLatencyMs',
  'prefill-tokens-per-sec': 'prefillTokensPerSec',
  'itl-base-ms': 'itlBaseMs',
  'itl-per-seq-ms': 'itlPerSeqMs',
  'jitter-sigma': 'jitterSigma',
  'structured-first-schema-penalty-ms': 'structuredFirstSchemaPenaltyMs',
  'structured-per-token-overhead-pct': 'structuredPerTokenOverheadPct',
} as const
const STRINGS = { host: 'host', model: 'model', 'served-model-name': 'model', root: 'root', 'vllm-version': 'vllmVersion', 'api-key': 'apiKey' } as const
const FAULT_FLAGS = { down: 'down', wedged: 'wedged', 'engine-dead': 'engine_dead', overloaded: 'overloaded' } as const
const FAULT_NUMBERS = {
  slow: 'slow',
  'invalid-json': 'invalid_json',
  'truncated-json': 'truncated_json',
  'whitespace-runaway': 'whitespace_runaway',
  'wrong-number-rate': 'wrong_number',
  'policy-flip-rate': 'policy_flip',
  'stream-error': 'stream_error',
  reset: 'reset',
} as const

export const CLI_USAGE = `lexi-sim: a simulated Lexi (vLLM OpenAI-compatible server) for laptops, tests and benchmarks

  --port 8008 --host 127.0.0.1 --model Lexi --root Qwen/Qwen2.5-32B-Instruct
  --max-model-len N (default $LLM_MAX_TOKENS or 4096) --max-num-seqs 64 --max-queued N --kv-cache-tokens N
  --vllm-version 0.10.2 (0.6.4 | 0.9.2 | 0.10.0 | 0.10.2 | 0.12.0 | any x.y.z)
  --api-key KEY (default $VLLM_API_KEY) --enable-request-id-headers --scheduling-policy fcfs|priority
  --time-scale 1 --fixed-latency-ms N --prefill-tokens-per-sec 8000 --itl-base-ms 25 --itl-per-seq-ms 0.3
  --jitter-sigma 0.1 --structured-first-schema-penalty-ms 150 --structured-per-token-overhead-pct 10
  --text-tokens-min 20 --text-tokens-max 120 --seed 0 --log-level info
faults: --down --wedged --engine-dead --overloaded --slow X --invalid-json R --truncated-json R
  --whitespace-runaway R --wrong-number-rate R --policy-flip-rate R --stream-error R --reset R --health-reply TEXT   (R = rate 0..1)
run time: GET/POST /sim/faults, GET /sim/stats, POST /sim/reset, on the main port and on
  --control-port N (default: --port + 1, or any free port when that is taken; 0 = any free port),
  which stays open while the down fault closes the main port`

export interface CliConfig {
  options: LexiSimOptions
  /** Port of the /sim/* control server (the CLI always runs one, so `down` can be cleared). */
  controlPort: number
  /** True when controlPort is the default (port + 1): take any free port if it is taken. */
  controlPortFallback: boolean
  logLevel: string
  help: boolean
}

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n)) throw new SimOptionsError(`--${flag} must be a number, got "${v}"`)
  return n
}

/** Pure: argv (without node and script) and env → simulator options. */
export function parseCliArgs(argv: string[], env: Record<string, string | undefined>): CliConfig {
  const spec: Record<string, { type: 'string' | 'boolean' }> = {
    help: { type: 'boolean' },
    'enable-request-id-headers': { type: 'boolean' },
    'scheduling-policy': { type: 'string' },
    'log-level': { type: 'string' },
    'text-tokens-min': { type: 'string' },
    'text-tokens-max': { type: 'string' },
    'health-reply': { type: 'string' },
    'control-port': { type: 'string' },
  }
  for (const f of [...Object.keys(NUMBERS), ...Object.keys(STRINGS), ...Object.keys(FAULT_NUMBERS)]) spec[f] = { type: 'string' }
  for (const f of Object.keys(FAULT_FLAGS)) spec[f] = { type: 'boolean' }
  const { values } = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false })
  const v = values as Record<string, string | boolean | undefined>
  const options: Record<string, unknown> = { port: 8008 }
  for (const [flag, key] of Object.entries(NUMBERS)) {
    const n = num(flag, v[flag] as string | undefined)
    if (n !== undefined) options[key] = n
  }
  for (const [flag, key] of Object.entries(STRINGS)) if (typeof v[flag] === 'string') options[key] = v[flag]
  if (options.maxModelLen === undefined) options.maxModelLen = num('LLM_MAX_TOKENS', env.LLM_MAX_TOKENS) ?? 4096
  if (options.apiKey === undefined && env.VLLM_API_KEY) options.apiKey = env.VLLM_API_KEY
  if (v['enable-request-id-headers'] === true) options.enableRequestIdHeaders = true
  const policy = v['scheduling-policy']
  if (policy !== undefined) {
    if (policy !== 'fcfs' && policy !== 'priority') throw new SimOptionsError('--scheduling-policy must be fcfs or priority')
    options.schedulingPolicy = policy
  }
  const tMin = num('text-tokens-min', v['text-tokens-min'] as string | undefined)
  const tMax = num('text-tokens-max', v['text-tokens-max'] as string | undefined)
  if (tMin !== undefined || tMax !== undefined) options.textTokens = [tMin ?? 20, tMax ?? Math.max(120, tMin ?? 0)]
  const faults: Partial<Record<keyof SimFaults, unknown>> = {}
  for (const [flag, key] of Object.entries(FAULT_FLAGS)) if (v[flag] === true) faults[key] = true
  for (const [flag, key] of Object.entries(FAULT_NUMBERS)) {
    const n = num(flag, v[flag] as string | undefined)
    if (n !== undefined) faults[key] = n
  }
  if (typeof v['health-reply'] === 'string') faults.health_reply = v['health-reply']
  options.faults = faults
  const port = options.port as number
  const explicitControl = num('control-port', v['control-port'] as string | undefined)
  if (explicitControl !== undefined && explicitControl !== 0 && explicitControl === port) throw new SimOptionsError('--control-port must differ from --port')
  const controlPort = explicitControl ?? (port === 0 || port >= 65535 ? 0 : port + 1)
  return {
    options: options as LexiSimOptions,
    controlPort,
    controlPortFallback: explicitControl === undefined && controlPort !== 0,
    logLevel: typeof v['log-level'] === 'string' ? v['log-level'] : 'info',
    help: v.help === true,
  }
}
