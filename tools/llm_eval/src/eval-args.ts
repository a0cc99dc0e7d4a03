import { parseArgs } from 'node:util'
import { DEFAULT_CONFIDENT_MIN } from './decision'
import { EvalUsageError } from './errors'
import { GATES, type GateThresholds } from './gates'

export interface EvalOptions {
  dataset: string | null
  prompts: string[]
  limit: number | null
  baseUrl: string | null
  out: string
  runId: string | null
  useCache: boolean
  concurrency: number | null
  timeoutMs: number | null
  confidentMin: number
  promptsFile: string | null
  gates: GateThresholds
  help: boolean
}

export const RUN_USAGE = `pnpm eval run [options]      replay stored signals through prompt versions
  --dataset FILE.jsonl     replay a JSONL dataset (default: features.llm.inputs of the forecasts table, DATABASE_URL)
  --prompt NAME[@VER]      a prompt version to evaluate, repeatable (default: the active rationale and policy)
  --limit N                only the first N items
  --base-url URL           the LLM endpoint including /v1 (default LLM_BASE_URL)
  --out DIR                results root (default results); the run goes to DIR/<run-id>/
  --run-id ID              name the run (default: UTC time + random suffix)
  --use-cache              allow llm_cache reads and writes (default: off, every call reaches the model)
  --concurrency N          calls in flight (default LLM_CONCURRENCY, 64)
  --timeout-ms N           per-call deadline including the repair round (default LLM_TIMEOUT_MS)
  --confident-min R        rationale confidence that counts as confident (default ${DEFAULT_CONFIDENT_MIN})
  --prompts-file PATH      prompt registry (default LLM_PROMPTS_PATH, configs/llm_prompts.yaml)
gates (exit code 1 and one line per failed metric and version):
${GATES.map((g) => `  --${g.flag} ${g.unit === 'ms' ? 'MS' : 'R'}`).join('\n')}`

const positiveInt = (flag: string, v: string | undefined): number | null => {
  if (v === undefined) return null
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new EvalUsageError(`--${flag} must be a positive integer, got "${v}"`)
  return Number(v)
}

const number = (flag: string, v: string, min: number, max: number): number => {
  const n = v.trim() === '' ? Number.NaN : Number(v)
  if (!Number.isFinite(n) || n < min || n > max) throw new EvalUsageError(`--${flag} must be a number from ${min} to ${max}, got "${v}"`)
  return n
}

/** argv after `run` → options. Pure; throws EvalUsageError naming the flag. */
export function parseEvalArgs (argv: readonly string[]): EvalOptions {
  const spec: Record<string, { type: 'string' | 'boolean', multiple?: boolean }> = {
    dataset: { type: 'string' }, prompt: { type: 'string', multiple: true }, limit: { type: 'string' },
    'base-url': { type: 'string' }, out: { type: 'string' }, 'run-id': { type: 'string' },
    'use-cache': { type: 'boolean' }, concurrency: { type: 'string' }, 'timeout-ms': { type: 'string' },
    'confident-min': { type: 'string' }, 'prompts-file': { type: 'string' }, help: { type: 'boolean' },
  }
  for (const g of GATES) spec[g.flag] = { type: 'string' }
  let values: Record<string, string | boolean | string[] | undefined>
  try {
    values = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }).values as typeof values
  } catch (err) {
    throw new EvalUsageError((err as Error).message, { cause: err })
  }
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] as string : undefined)
  const gates: GateThresholds = {}
  for (const g of GATES) {
    const v = str(g.flag)
    if (v !== undefined) gates[g.flag] = g.unit === 'rate' ? number(g.flag, v, 0, 1) : number(g.flag, v, 0, 86_400_000)
  }
  const baseUrl = str('base-url') ?? null
  if (baseUrl !== null && !URL.canParse(baseUrl)) throw new EvalUsageError(`--base-url must be a URL, got "${baseUrl}"`)
  const runId = str('run-id') ?? null
  if (runId !== null && !/^[A-Za-z0-9._-]+$/.test(runId)) throw new EvalUsageError('--run-id may only hold letters, digits, ".", "_" and "-"')
  return {
    dataset: str('dataset') ?? null,
    prompts: (values.prompt as string[] | undefined) ?? [],
    limit: positiveInt('limit', str('limit')),
    baseUrl,
    out: str('out') ?? 'results',
    runId,
    useCache: values['use-cache'] === true,
    concurrency: positiveInt('concurrency', str('concurrency')),
    timeoutMs: positiveInt('timeout-ms', str('timeout-ms')),
    confidentMin: str('confident-min') === undefined ? DEFAULT_CONFIDENT_MIN : number('confident-min', str('confident-min') as string, 0, 1),
    promptsFile: str('prompts-file') ?? null,
    gates,
    help: values.help === true,
  }
}
