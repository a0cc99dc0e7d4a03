import { noAnswer, samplePolicy, type LlmClient, type PromptRegistry } from '@pulsetrade/llm'
import type { EvalItem } from './eval-item'
import { toEvalRecord, type EvalRecord, type StructuredOutcome } from './eval-record'
import type { EvalTarget } from './eval-targets'

export interface RunEvalDeps {
  client: LlmClient
  registry: PromptRegistry
  items: readonly EvalItem[]
  targets: readonly EvalTarget[]
  /** Only these calls instead of every item through every target (--rerun-failed). */
  jobs?: ReadonlyArray<{ item: EvalItem; target: EvalTarget }>
  /** Calls in flight at once; set it to the client's concurrency to keep every slot busy. */
  concurrency: number
  /** Allow llm_cache reads and writes (deterministic prompts only). @default false */
  useCache?: boolean
  confidentMin: number
  /** LLM_POLICY_SAMPLES: a policy call is k samples (seeds 0..k-1) combined conservatively. @default 1 */
  policySamples?: number
  /** Per-call deadline; the client's timeout when unset. */
  timeoutMs?: number
  /** Called once per finished call, in completion order (stream it to records.jsonl). */
  onRecord?: (record: EvalRecord, done: number, total: number) => void | Promise<void>
  signal?: AbortSignal
  now?: () => number
}

export interface RunEvalResult {
  records: EvalRecord[]
  /** Wall time of the whole replay. */
  wallMs: number
  /** True when the signal stopped the run before every call was made. */
  aborted: boolean
}

/**
 * Replays every item through every target. Tasks are interleaved item by item (item 1 through A
 * and B, then item 2 ...) so versions see the same load; `concurrency` workers pull them, so the
 * client's slots stay full. The client never throws for upstream failures; a render or client bug
 * still ends up as a record with its error code instead of stopping the run.
 */
export async function runEval(deps: RunEvalDeps): Promise<RunEvalResult> {
  const now = deps.now ?? (() => performance.now())
  const t0 = now()
  const total = deps.jobs?.length ?? deps.items.length * deps.targets.length
  const records: EvalRecord[] = []
  let next = 0
  let done = 0

  const one = async (item: EvalItem, target: EvalTarget): Promise<EvalRecord> => {
    const started = now() - t0
    let result: StructuredOutcome
    try {
      const rendered = deps.registry.render(target.prompt, { ...item.inputs }, { version: target.version })
      const call = async (seed?: number): Promise<StructuredOutcome> =>
        await deps.client.structured(seed === undefined ? rendered : { ...rendered, sampling: { ...rendered.sampling, seed } }, target.schema, {
          cache: deps.useCache ?? false,
          priorityClass: 'batch',
          ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
        })
      const k = target.prompt === 'policy' ? (deps.policySamples ?? 1) : 1
      result = k === 1 ? await call() : await samplePolicy(k, undefined, call as Parameters<typeof samplePolicy>[2])
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown }
      result = noAnswer(
        { prompt: target.prompt, version: target.version, hash: target.hash },
        { code: typeof e?.code === 'string' ? e.code : 'EVAL_ERR_CALL', message: String(e?.message ?? err) },
        now() - t0 - started,
      )
    }
    return toEvalRecord({ item, target, result, startedMs: started, finishedMs: now() - t0, confidentMin: deps.confidentMin })
  }

  const worker = async (): Promise<void> => {
    while (next < total && deps.signal?.aborted !== true) {
      const i = next++
      const job = deps.jobs?.[i]
      const item = job?.item ?? (deps.items[Math.floor(i / deps.targets.length)] as EvalItem)
      const target = job?.target ?? (deps.targets[i % deps.targets.length] as EvalTarget)
      const record = await one(item, target)
      records.push(record)
      done++
      await deps.onRecord?.(record, done, total)
    }
  }
  const workers = Math.max(1, Math.min(deps.concurrency, total))
  await Promise.all(Array.from({ length: workers }, worker))
  return { records, wallMs: now() - t0, aborted: done < total }
}
