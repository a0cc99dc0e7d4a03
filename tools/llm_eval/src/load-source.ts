import { fileURLToPath } from 'node:url'
import type { Db } from '@pulsetrade/db'
import type { EvalItem } from './eval-item'
import { readForecastItems } from './forecasts-source'
import { redactUrl } from './manifest'
import { readDataset } from './read-dataset'
import { STRATA_DEFINITION, stratifiedSample, type Stratum } from './sample'

/** The dataset shipped with the tool: what a run replays when there is no forecast history to read. */
export const BUNDLED_DATASET = fileURLToPath(new URL('../datasets/sp500-signals.jsonl', import.meta.url))

/** Which of the source's items a run replays: all, the first N (--limit), or a stratified sample. */
export type Selection = { kind: 'all' } | { kind: 'limit'; n: number } | { kind: 'sample'; size: number; seed: number }

export interface SampleInfo {
  size: number
  seed: number
  population: number
  definition: string
  strata: Stratum[]
}

export interface EvalSource {
  kind: 'jsonl' | 'forecasts'
  location: string
  items: EvalItem[]
  fileSha256: string | null
  /** Forecast rows left out because their stored inputs fail the contract. */
  skipped: number
  /** Why the bundled dataset is replayed although no --dataset was given; null otherwise. */
  fallback: string | null
  /** Set when a stratified sample was drawn. */
  sample: SampleInfo | null
}

/**
 * Failures that mean "there is no forecast history here" rather than "the history is broken":
 * nothing listens, the host or database does not exist, or the schema was never migrated.
 */
const NO_DATABASE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', '3D000', '42P01'])

function isNoDatabase(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause
  if (typeof cause?.code === 'string' && NO_DATABASE_CODES.has(cause.code)) return true
  return /timeout exceeded when trying to connect|Connection terminated/i.test(String(cause?.message ?? ''))
}

function select(items: EvalItem[], selection: Selection): { items: EvalItem[]; sample: SampleInfo | null } {
  if (selection.kind !== 'sample') return { items, sample: null }
  const s = stratifiedSample(items, selection)
  return { items: s.items, sample: { size: selection.size, seed: selection.seed, population: items.length, definition: STRATA_DEFINITION, strata: s.strata } }
}

async function fromFile(path: string, selection: Selection, fallback: string | null): Promise<EvalSource> {
  const d = await readDataset(path, { limit: selection.kind === 'limit' ? selection.n : null })
  return { kind: 'jsonl', location: path, fileSha256: d.fileSha256, skipped: 0, fallback, ...select(d.items, selection) }
}

/**
 * The items to replay: the --dataset file; else the forecasts table; else, when the database cannot
 * be reached, does not hold the schema or has no forecast with LLM inputs, the bundled dataset
 * (`fallback` says why). Then --limit or the stratified sample.
 */
export async function loadSource(o: { dataset: string | null; selection: Selection; db: Db | null; dbUrl: string }): Promise<EvalSource> {
  if (o.dataset !== null) return fromFile(o.dataset, o.selection, null)
  if (o.db === null) return fromFile(BUNDLED_DATASET, o.selection, 'no database given')
  let f
  try {
    f = await readForecastItems(o.db, { limit: o.selection.kind === 'limit' ? o.selection.n : null })
  } catch (err) {
    if (!isNoDatabase(err)) throw err
    return fromFile(BUNDLED_DATASET, o.selection, (err as Error).message)
  }
  if (f.items.length === 0) {
    return fromFile(
      BUNDLED_DATASET,
      o.selection,
      `no forecasts with features.llm.inputs in ${redactUrl(o.dbUrl)}${f.skipped ? ` (${f.skipped} rows fail the LlmInputs contract)` : ''}`,
    )
  }
  return { kind: 'forecasts', location: redactUrl(o.dbUrl), fileSha256: null, skipped: f.skipped, fallback: null, ...select(f.items, o.selection) }
}
