import type { PromptRegistry } from '@pulsetrade/llm'
import type { EvalItem } from './eval-item'
import { resolveTargets, type EvalTarget } from './eval-targets'
import { isFailed } from './report-items'
import { readRunFolder } from './run-folder'

export interface RerunPlan {
  /** The failed or errored calls of the earlier run, to be made again. */
  jobs: Array<{ item: EvalItem; target: EvalTarget }>
  items: EvalItem[]
  targets: EvalTarget[]
  /** Calls the earlier run made, and how many of them failed. */
  calls: number
  /** Lines worth printing (a prompt version whose text changed since the earlier run). */
  notes: string[]
}

/**
 * The calls of the run in `dir` that gave no usable answer (not schema-valid, or an error code),
 * rebuilt from its records (items from their `inputs`, versions from the current registry).
 */
export async function planRerun(dir: string, registry: PromptRegistry): Promise<RerunPlan> {
  const run = await readRunFolder(dir)
  const failed = run.records.filter(isFailed)
  const arms = [...new Set(failed.map((r) => r.arm))]
  const targets = resolveTargets(arms, registry)
  const byLabel = new Map(targets.map((t) => [t.label, t]))
  const notes: string[] = []
  for (const t of targets) {
    const before = failed.find((r) => r.arm === t.label)?.hash
    if (before !== undefined && before !== t.hash)
      notes.push(`note: ${t.label} changed since ${dir} (hash ${before.slice(0, 12)} then, ${t.hash.slice(0, 12)} now): the rerun uses the current text`)
  }
  const items = new Map<string, EvalItem>()
  const jobs = failed.map((r) => {
    const item = items.get(r.item_id) ?? { id: r.item_id, inputs: r.inputs, realized_return: r.realized_return }
    items.set(r.item_id, item)
    return { item, target: byLabel.get(r.arm) as EvalTarget }
  })
  return { jobs, items: [...items.values()], targets, calls: run.records.length, notes }
}
