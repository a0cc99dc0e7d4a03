import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { sha256Hex } from './dataset-hash'
import { EvalDatasetError } from './errors'
import { DatasetLineSchema, toEvalItem, type EvalItem } from './eval-item'

export interface Dataset {
  items: EvalItem[]
  /** sha256 of the whole file as stored. */
  fileSha256: string
  /** Non-empty lines in the file (before --limit). */
  lines: number
}

/**
 * Reads a JSONL dataset: one LlmInputs object per line plus `id` and optional `realized_return`.
 * Blank lines are skipped; a bad line or a duplicate id fails naming the file and line number.
 */
export async function readDataset(path: string, opts: { limit?: number | null } = {}): Promise<Dataset> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw new EvalDatasetError(`dataset ${path}: cannot read (${(err as Error).message})`, { cause: err })
  }
  const items: EvalItem[] = []
  const seen = new Set<string>()
  let lines = 0
  const text = bytes.toString('utf8').split('\n')
  for (let i = 0; i < text.length; i++) {
    const line = text[i]?.trim() ?? ''
    if (line === '') continue
    lines++
    if (opts.limit != null && items.length >= opts.limit) continue
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch (err) {
      throw new EvalDatasetError(`dataset ${path} line ${i + 1}: not JSON (${(err as Error).message})`)
    }
    const parsed = DatasetLineSchema.safeParse(json)
    if (!parsed.success) {
      throw new EvalDatasetError(`dataset ${path} line ${i + 1}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`)
    }
    const item = toEvalItem(parsed.data)
    if (seen.has(item.id)) throw new EvalDatasetError(`dataset ${path} line ${i + 1}: duplicate id "${item.id}"`)
    seen.add(item.id)
    items.push(item)
  }
  if (items.length === 0) throw new EvalDatasetError(`dataset ${path}: no rows`)
  return { items, fileSha256: sha256Hex(bytes), lines }
}
