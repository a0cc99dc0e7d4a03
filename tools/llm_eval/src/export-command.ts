import { parseArgs } from 'node:util'
import { APP_DATABASE, createPool, embeddedUrl } from '@pulsetrade/db'
import type { CommandContext } from './eval-command'
import { loadEvalEnv } from './eval-config'
import { EvalUsageError } from './errors'
import { exportDataset } from './export-dataset'
import { redactUrl } from './manifest'

export const EXPORT_USAGE = `pnpm eval export-dataset --out FILE.jsonl [--include-unresolved] [--limit N] [--min-rows N]
  writes features.llm.inputs + realized_return of the stored forecasts (DATABASE_URL) as a JSONL dataset;
  only resolved forecasts unless --include-unresolved; fails when fewer than --min-rows (default 1) qualify`

/** `pnpm eval export-dataset`: forecasts table → JSONL dataset. */
export async function exportCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  let v: Record<string, string | boolean | undefined>
  try {
    v = parseArgs({
      args: [...argv],
      options: {
        out: { type: 'string' },
        'include-unresolved': { type: 'boolean' },
        limit: { type: 'string' },
        'min-rows': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    throw new EvalUsageError(`${(err as Error).message}\n${EXPORT_USAGE}`, { cause: err })
  }
  if (v.help === true) {
    ctx.out(EXPORT_USAGE)
    return 0
  }
  if (typeof v.out !== 'string' || v.out === '') throw new EvalUsageError(`--out is required\n${EXPORT_USAGE}`)
  const int = (k: string): number | null => {
    const s = v[k]
    if (typeof s !== 'string') return null
    if (!/^\d+$/.test(s) || Number(s) < 1) throw new EvalUsageError(`--${k} must be a positive integer, got "${s}"`)
    return Number(s)
  }
  const env = loadEvalEnv(ctx.env)
  const url = env.DATABASE_URL ?? embeddedUrl(env.EMBEDDED_PG_PORT, APP_DATABASE)
  const db = createPool({ connectionString: url, max: 2, applicationName: 'llm-eval-export' })
  try {
    const r = await exportDataset(db, v.out, { includeUnresolved: v['include-unresolved'] === true, limit: int('limit'), minRows: int('min-rows') ?? 1 })
    ctx.out(
      `${r.path}: ${r.rows} rows from ${redactUrl(url)} (sha256 ${r.sha256})${r.skipped ? `, ${r.skipped} rows failing the LlmInputs contract left out` : ''}`,
    )
    return 0
  } finally {
    await db.end().catch(() => {})
  }
}
