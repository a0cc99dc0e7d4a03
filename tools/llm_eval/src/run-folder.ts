import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { EvalUsageError } from './errors'
import { EvalRecordSchema, type EvalRecord } from './eval-record'
import type { EvalManifest } from './manifest'

/** A finished (or interrupted) run read back from its folder: what compare and --rerun-failed work on. */
export interface RunFolder {
  dir: string
  records: EvalRecord[]
  /** null when the run was interrupted before manifest.json was written. */
  manifest: EvalManifest | null
}

/**
 * Reads `dir/records.jsonl` (every line checked against the record contract) and, when present,
 * `dir/manifest.json`. A folder without records, or records from before the first and final answer
 * and the inputs were kept, fails with a usage error that names the file and line.
 */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  const file = join(dir, 'records.jsonl')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new EvalUsageError(`${dir} is not a run folder (cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
      cause: err,
    })
  }
  const records: EvalRecord[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? ''
    if (line === '') continue
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch {
      throw new EvalUsageError(`${file} line ${i + 1}: not JSON`)
    }
    const r = EvalRecordSchema.safeParse(json)
    if (!r.success) {
      const old = typeof json === 'object' && json !== null && !('inputs' in json)
      throw new EvalUsageError(
        `${file} line ${i + 1}: ${old ? 'written by an older version of the eval (no inputs and answers in the records); run it again' : z.prettifyError(r.error).replace(/\n/g, ' ')}`,
      )
    }
    records.push(r.data)
  }
  let manifest: EvalManifest | null = null
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as EvalManifest
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new EvalUsageError(`${join(dir, 'manifest.json')}: ${(err as Error).message}`, { cause: err })
  }
  return { dir, records, manifest }
}
