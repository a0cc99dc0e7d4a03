import { parseArgs } from 'node:util'
import { DEFAULT_CONFIDENT_MIN } from './decision'
import { EvalUsageError } from './errors'
import { GATES, type GateThresholds } from './gates'
import type { Selection } from './load-source'
import { DEFAULT_SAMPLE_SEED, DEFAULT_SAMPLE_SIZE } from './sample'

export interface EvalOptions {
  dataset: string | null
  prompts: string[]
  limit: number | null
  /** Which items: a stratified sample (default), --all, or the first --limit. */
  selection: Selection
  baseUrl: string | null
  out: string
  runId: string | null
  useCache: boolean
  concurrency: number | null
  timeoutMs: number | null
  confidentMin: number
  promptsFile: string | null
  gates: GateThresholds
  /** Write JUnit XML here (one test case per gate and version). */
  junit: string | null
  /** A run folder: repeat only its failed or errored calls. */
  rerunFailed: string | null
  help: boolean
}

export const RUN_USAGE = `pnpm eval run [options]      replay stored signals through prompt versions
  --dataset FILE.jsonl     replay a JSONL dataset (default: features.llm.inputs of the forecasts table, DATABASE_URL;
                           the bundled tools/llm_eval/datasets/sp500-signals.jsonl when there is none)
  --prompt NAME[@VER]      a prompt version to evaluate, repeatable (default: the active rationale and policy)
  --sample N               a stratified sample of N items (default ${DEFAULT_SAMPLE_SIZE}; see docs/eval.md)
  --seed N                 the sample's seed (default ${DEFAULT_SAMPLE_SEED}): the same seed draws the same items
  --all                    every item instead of a sample
  --limit N                only the first N items (no sample)
  --rerun-failed DIR       repeat only the failed or errored calls of the run in DIR, into a new run
  --junit FILE             also write JUnit XML: one test case per gate and version
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
export function parseEvalArgs(argv: readonly string[]): EvalOptions {
  const spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    dataset: { type: 'string' },
    prompt: { type: 'string', multiple: true },
    limit: { type: 'string' },
    'base-url': { type: 'string' },
    out: { type: 'string' },
    'run-id': { type: 'string' },
    'use-cache': { type: 'boolean' },
    concurrency: { type: 'string' },
    'timeout-ms': { type: 'string' },
    'confident-min': { type: 'string' },
    'prompts-file': { type: 'string' },
    help: { type: 'boolean' },
    all: { type: 'boolean' },
    sample: { type: 'string' },
    seed: { type: 'string' },
    junit: { type: 'string' },
    'rerun-failed': { type: 'string' },
  }
  for (const g of GATES) spec[g.flag] = { type: 'string' }
  let values: Record<string, string | boolean | string[] | undefined>
  try {
    values = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }).values as typeof values
  } catch (err) {
    throw new EvalUsageError((err as Error).message, { cause: err })
  }
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const gates: GateThresholds = {}
  for (const g of GATES) {
    const v = str(g.flag)
    if (v !== undefined) gates[g.flag] = g.unit === 'rate' ? number(g.flag, v, 0, 1) : number(g.flag, v, 0, 86_400_000)
  }
  const baseUrl = str('base-url') ?? null
  if (baseUrl !== null && !URL.canParse(baseUrl)) throw new EvalUsageError(`--base-url must be a URL, got "${baseUrl}"`)
  const limit = positiveInt('limit', str('limit'))
  const sample = positiveInt('sample', str('sample'))
  const seed = str('seed')
  if (seed !== undefined && !/^\d+$/.test(seed)) throw new EvalUsageError(`--seed must be a non-negative integer, got "${seed}"`)
  const all = values.all === true
  const picked = [all && '--all', limit !== null && '--limit', sample !== null && '--sample'].filter((f): f is string => f !== false)
  if (picked.length > 1)
    throw new EvalUsageError(`${picked.join(' and ')} exclude each other: --all replays every item, --limit the first N, --sample a stratified sample`)
  if (seed !== undefined && (all || limit !== null)) throw new EvalUsageError(`--seed applies to the sample only, not to ${all ? '--all' : '--limit'}`)
  const selection: Selection = all
    ? { kind: 'all' }
    : limit !== null
      ? { kind: 'limit', n: limit }
      : { kind: 'sample', size: sample ?? DEFAULT_SAMPLE_SIZE, seed: seed === undefined ? DEFAULT_SAMPLE_SEED : Number(seed) }
  const rerunFailed = str('rerun-failed') ?? null
  if (rerunFailed !== null) {
    const clash = ['dataset', 'prompt', 'limit', 'sample', 'seed', 'all'].filter((k) => values[k] !== undefined)
    if (clash.length > 0)
      throw new EvalUsageError(`--rerun-failed takes its items and prompt versions from the run folder; drop ${clash.map((k) => `--${k}`).join(', ')}`)
  }
  const junit = str('junit') ?? null
  if (junit === '') throw new EvalUsageError('--junit needs a file name')
  const runId = str('run-id') ?? null
  if (runId !== null && !/^[A-Za-z0-9._-]+$/.test(runId)) throw new EvalUsageError('--run-id may only hold letters, digits, ".", "_" and "-"')
  return {
    dataset: str('dataset') ?? null,
    prompts: (values.prompt as string[] | undefined) ?? [],
    limit,
    selection,
    baseUrl,
    out: str('out') ?? 'results',
    runId,
    useCache: values['use-cache'] === true,
    concurrency: positiveInt('concurrency', str('concurrency')),
    timeoutMs: positiveInt('timeout-ms', str('timeout-ms')),
    confidentMin: str('confident-min') === undefined ? DEFAULT_CONFIDENT_MIN : number('confident-min', str('confident-min') as string, 0, 1),
    promptsFile: str('prompts-file') ?? null,
    gates,
    junit,
    rerunFailed,
    help: values.help === true,
  }
}
