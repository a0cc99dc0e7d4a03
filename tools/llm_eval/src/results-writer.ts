import { createWriteStream } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { EvalRecord } from './eval-record'
import { EvalError } from './errors'
import type { EvalManifest } from './manifest'
import { renderReport } from './report-html'
import type { EvalSummary } from './summarize'

export const RESULT_FILES = ['records.jsonl', 'summary.json', 'manifest.json', 'report.html'] as const

export interface ResultsWriter {
  dir: string
  /** Appends one line to records.jsonl (as calls finish, so an interrupted run keeps what it did). */
  record: (r: EvalRecord) => Promise<void>
  /** Closes records.jsonl and writes summary.json, manifest.json and report.html (with the per-item table of `records`). */
  finish: (summary: EvalSummary, manifest: EvalManifest, records: readonly EvalRecord[]) => Promise<void>
}

/** A run id that sorts by time: `20250131-142501-3fa9`. */
export function newRunId(date = new Date(), random = Math.random): string {
  const iso = date.toISOString()
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0')
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${suffix}`
}

/** results/<run-id>/; refuses a directory that already holds a run. */
export async function createResultsWriter(outDir: string, runId: string): Promise<ResultsWriter> {
  const dir = join(outDir, runId)
  await mkdir(outDir, { recursive: true })
  try {
    await mkdir(dir)
  } catch (err) {
    throw new EvalError(`results directory ${dir} cannot be created (${(err as Error).message}); pick another --run-id`, { cause: err })
  }
  const records = createWriteStream(join(dir, 'records.jsonl'), { flags: 'wx' })
  await new Promise<void>((resolve, reject) => {
    records.once('open', () => resolve())
    records.once('error', reject)
  })
  let failed: Error | null = null
  records.on('error', (err) => {
    failed = err
  })
  return {
    dir,
    // Lines are small and bounded by the run's size: the stream buffers them, no back-pressure wait.
    record: async (r) => {
      if (failed !== null) throw new EvalError(`cannot write ${join(dir, 'records.jsonl')}: ${(failed as Error).message}`)
      records.write(`${JSON.stringify(r)}\n`)
    },
    finish: async (summary, manifest, list) => {
      await new Promise<void>((resolve, reject) => {
        records.end((err?: Error | null) => (err ? reject(err) : resolve()))
      })
      await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
      await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
      await writeFile(join(dir, 'report.html'), renderReport(summary, manifest, list))
    },
  }
}
