import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Db } from '@pulsetrade/db'
import { itemsToJsonl, sha256Hex } from './dataset-hash'
import { EvalSourceError } from './errors'
import { readForecastItems } from './forecasts-source'

export interface ExportResult {
  path: string
  rows: number
  skipped: number
  sha256: string
}

/**
 * Writes stored forecasts as a JSONL dataset (`id`, the LlmInputs fields, `realized_return`), by
 * default only resolved ones. Fails when fewer than `minRows` rows qualify, so a half-filled
 * database never silently replaces the shipped dataset.
 */
export async function exportDataset(
  db: Db,
  out: string,
  opts: { includeUnresolved?: boolean; limit?: number | null; minRows?: number } = {},
): Promise<ExportResult> {
  const { items, skipped } = await readForecastItems(db, { resolvedOnly: !opts.includeUnresolved, limit: opts.limit ?? null })
  const minRows = opts.minRows ?? 1
  if (items.length < minRows) {
    throw new EvalSourceError(
      `only ${items.length} ${opts.includeUnresolved ? '' : 'resolved '}forecasts with features.llm.inputs (need ${minRows}): run \`pnpm forecast import\`, \`pnpm forecast run --once\` and \`pnpm forecast resolve\` first`,
    )
  }
  const text = itemsToJsonl(items)
  await mkdir(dirname(out), { recursive: true })
  await writeFile(out, text)
  return { path: out, rows: items.length, skipped, sha256: sha256Hex(text) }
}
