import type { Db } from '@pulsetrade/db'
import { EvalSourceError } from './errors'
import type { EvalItem } from './eval-item'
import { readForecastItems } from './forecasts-source'
import { redactUrl } from './manifest'
import { readDataset } from './read-dataset'

export interface EvalSource {
  kind: 'jsonl' | 'forecasts'
  location: string
  items: EvalItem[]
  fileSha256: string | null
  /** Forecast rows left out because their stored inputs fail the contract. */
  skipped: number
}

/** The items to replay: the --dataset file, else the forecasts table. */
export async function loadSource (o: { dataset: string | null, limit: number | null, db: Db | null, dbUrl: string }): Promise<EvalSource> {
  if (o.dataset !== null) {
    const d = await readDataset(o.dataset, { limit: o.limit })
    return { kind: 'jsonl', location: o.dataset, items: d.items, fileSha256: d.fileSha256, skipped: 0 }
  }
  if (o.db === null) throw new EvalSourceError('no --dataset and no database to read forecasts from')
  const f = await readForecastItems(o.db, { limit: o.limit })
  if (f.items.length === 0) {
    throw new EvalSourceError(`no forecasts with features.llm.inputs in ${redactUrl(o.dbUrl)}${f.skipped ? ` (${f.skipped} rows fail the LlmInputs contract)` : ''}: run \`pnpm forecast run --once\` first, or pass --dataset tools/llm_eval/datasets/sp500-signals.jsonl`)
  }
  return { kind: 'forecasts', location: redactUrl(o.dbUrl), items: f.items, fileSha256: null, skipped: f.skipped }
}
