import { execFile } from 'node:child_process'
import type { SampleInfo } from './load-source'
import type { ModelCard } from './model-card'

export interface EvalManifest {
  run_id: string
  started_at: string
  finished_at: string
  /** `git rev-parse HEAD` of the working directory, "unknown" outside a git checkout. */
  git_revision: string
  /** Uncommitted changes in the checkout (null when unknown). */
  git_dirty: boolean | null
  dataset: {
    source: 'jsonl' | 'forecasts'
    /** The JSONL file, or the database (password hidden). */
    location: string
    /** sha256 of the dataset file as stored (null for the forecasts table). */
    file_sha256: string | null
    /** sha256 of the replayed items as JSONL (see docs/eval.md): the same rows hash the same from any source. */
    items_sha256: string
    items: number
    items_with_outcome: number
    /** Why the bundled dataset was replayed although no --dataset was given (no database, empty forecasts); else null. */
    fallback: string | null
    /** The stratified sample drawn (size, seed, population, strata); null for --all, --limit and --rerun-failed. */
    sample: SampleInfo | null
    /** The run folder whose failed calls were repeated (--rerun-failed); else null. */
    rerun_of: string | null
  }
  prompts: Array<{ prompt: string; version: string; hash: string; locked_hash: string | null }>
  /** What GET /v1/models reported (the model the client sends, when several are served). */
  model: ModelCard & { base_url: string }
  /**
   * Whether the endpoint is a simulator (lexi-sim): then the answers say nothing about a model.
   * `label` is "SIMULATED — not a model evaluation" or null; `evidence` says how it was recognised.
   */
  simulated: { simulated: boolean; label: string | null; evidence: string[] }
  /** Every option of the run (no secrets). */
  options: Record<string, unknown>
  node: string
}

const git = (args: string[], cwd: string): Promise<string | null> =>
  new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 5_000 }, (err, stdout) => resolve(err ? null : stdout.trim()))
  })

/** HEAD's revision and whether the tree has uncommitted changes; "unknown"/null outside a repository. */
export async function gitRevision(cwd: string): Promise<{ revision: string; dirty: boolean | null }> {
  const revision = await git(['rev-parse', 'HEAD'], cwd)
  if (revision === null || revision === '') return { revision: 'unknown', dirty: null }
  const status = await git(['status', '--porcelain', '--untracked-files=no'], cwd)
  return { revision, dirty: status === null ? null : status !== '' }
}

/** A URL as it may be written down: the password replaced by ***. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url
  const u = new URL(url)
  if (u.password) u.password = '***'
  return u.toString()
}
