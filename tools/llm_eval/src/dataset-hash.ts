import { createHash } from 'node:crypto'
import { toDatasetLine, type EvalItem } from './eval-item'

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex')

/** The items as JSONL (one toDatasetLine object per line), the form export-dataset writes. */
export const itemsToJsonl = (items: readonly EvalItem[]): string => items.map((item) => `${JSON.stringify(toDatasetLine(item))}\n`).join('')

/**
 * sha256 of exactly the items a run replayed, as JSONL: equal for the same rows whether they came
 * from a dataset file, a slice of it (--limit) or the forecasts table.
 */
export const itemsSha256 = (items: readonly EvalItem[]): string => sha256Hex(itemsToJsonl(items))
