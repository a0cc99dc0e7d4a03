import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeMachine, machineInfo, type Machine } from './machine'

export const RESULTS_DIR = fileURLToPath(new URL('../../results/bench/', import.meta.url))

export interface BenchRun {
  name: string
  /** Higher is better when `better` is 'higher'. */
  ratio: number
  target: number
  better: 'higher' | 'lower'
  /** Knobs the run used. */
  params: Record<string, unknown>
  /** One row per measured side (the table printed). */
  rows: Array<Record<string, string | number | boolean | null>>
  notes?: string[]
}

export const meetsTarget = (r: Pick<BenchRun, 'ratio' | 'target' | 'better'>): boolean => (r.better === 'higher' ? r.ratio >= r.target : r.ratio <= r.target)

/**
 * Prints the table, writes results/bench/<name>-<date>.json with the machine, and prints the last
 * line `NAME ratio=X`. Returns the file written.
 */
export async function reportBench(run: BenchRun, machine: Machine = machineInfo()): Promise<string> {
  const at = new Date()
  const file = path.join(RESULTS_DIR, `${run.name}-${at.toISOString().replace(/[:.]/g, '-')}.json`)
  const ok = meetsTarget(run)
  await mkdir(RESULTS_DIR, { recursive: true })
  await writeFile(file, `${JSON.stringify({ ...run, ratio: round(run.ratio), meets_target: ok, at: at.toISOString(), machine }, null, 2)}\n`)
  console.table(run.rows)
  for (const n of run.notes ?? []) console.log(`  ${n}`)
  console.log(`  machine: ${describeMachine(machine)}`)
  console.log(
    `  target: ratio ${run.better === 'higher' ? '>=' : '<='} ${run.target} (${ok ? 'met' : 'MISSED'}); written to ${path.relative(process.cwd(), file)}`,
  )
  console.log(`${run.name} ratio=${round(run.ratio)}`)
  return file
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits))
