import { parseArgs } from 'node:util'
import { failReasonOf } from '@pulsetrade/llm'
import { Registry } from 'prom-client'
import { UsageError } from '../errors'
import { createForecastRuntime } from '../forecast-runtime'
import type { FailedRow } from '../pipeline/reenrich-repo'
import { cliDatabase, cliSetup, type CliContext } from './cli-context'

export const REENRICH_USAGE = 'forecast re-enrich [--since ISO-TIME] [--fail-reason unreachable,timeout,...|all] [--dry-run]'

/** The reasons that mean Lexi did not answer (the default): what an outage leaves behind. */
const OUTAGE_REASONS = ['unreachable', 'timeout', 'circuit_open', 'upstream_error']
const ALL_REASONS = [...OUTAGE_REASONS, 'invalid_json', 'queue_full', 'context_length', 'missing']

/** Fail reasons of a failed row: its policy's recorded fail_reason, and its rationale's error mapped the same way. */
export function reasonsOf(r: FailedRow): string[] {
  const out: string[] = []
  if (r.policy_error) out.push(r.policy_fail_reason ?? failReasonOf(r.policy_error))
  if (r.rationale_error) out.push(failReasonOf(r.rationale_error))
  return out
}

function parseReasons(v: string | undefined): string[] {
  if (v === undefined) return OUTAGE_REASONS
  if (v === 'all') return ALL_REASONS
  const list = v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
  const bad = list.filter((x) => !ALL_REASONS.includes(x))
  if (list.length === 0 || bad.length > 0)
    throw new UsageError(
      `--fail-reason: unknown reason ${JSON.stringify(bad[0] ?? v)}; one or more of ${ALL_REASONS.join(', ')}, or all\nusage: ${REENRICH_USAGE}`,
    )
  return list
}

function parseSince(v: string | undefined): Date | null {
  if (v === undefined) return null
  const d = new Date(v)
  if (v.trim() === '' || Number.isNaN(d.getTime()))
    throw new UsageError(`--since: not a date or time: ${JSON.stringify(v)} (e.g. 2026-12-07 or 2026-12-07T09:30:00Z)\nusage: ${REENRICH_USAGE}`)
  return d
}

/**
 * `forecast re-enrich`: what the worker does after an outage, by hand. Marks the rows written
 * without Lexi's answer (not late yet, bar at or after --since, failed for one of --fail-reason),
 * then fills them in with late answers, together with the rows the worker had marked. No order is
 * placed. Exit 0 when nothing is left to fill in, 1 when rows are left (Lexi unreachable, or given up).
 */
export async function reenrichCommand(args: string[], ctx: CliContext): Promise<number> {
  let values: { since?: string; 'fail-reason'?: string; 'dry-run'?: boolean }
  try {
    values = parseArgs({
      args,
      options: { since: { type: 'string' }, 'fail-reason': { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
    }).values
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: ${REENRICH_USAGE}`)
  }
  const since = parseSince(values.since)
  const reasons = parseReasons(values['fail-reason'])
  const { config, logger } = cliSetup(ctx)
  const { db, close } = await cliDatabase(config, logger, 4)
  const rt = createForecastRuntime({ config, db, logger, metrics: new Registry() })
  try {
    const repo = rt.worker.reenricher.repo
    const failed = await repo.failedRows(since)
    const matched = failed.filter((r) => reasonsOf(r).some((x) => reasons.includes(x)))
    const byReason = new Map<string, number>()
    for (const r of matched) for (const x of new Set(reasonsOf(r))) byReason.set(x, (byReason.get(x) ?? 0) + 1)
    const mix = [...byReason].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'
    ctx.out(`re-enrich: ${matched.length} row(s) without Lexi's answer match (${mix}) of ${failed.length} failed and not yet late`)
    if (values['dry-run']) return 0
    const marked = await repo.markManual(matched)
    const before = await repo.counts(config.FORECAST_MAX_ATTEMPTS)
    ctx.out(`re-enrich: ${before.pending} row(s) to fill in: ${marked} matching, ${Math.max(0, before.pending - marked)} more the worker had marked`)
    let lastLine = Date.now()
    const s = await rt.worker.reenricher.drain({
      onBatch: (p) => {
        if (Date.now() - lastLine < 5_000) return
        lastLine = Date.now()
        ctx.out(`re-enrich: ${p.filled} filled, ${p.retry} to retry`)
      },
    })
    const after = await repo.counts(config.FORECAST_MAX_ATTEMPTS)
    const why = s.outage ? ` (Lexi unreachable: ${s.outage}; run again once it answers)` : ''
    ctx.out(`re-enrich: ${s.filled} filled (late), ${s.skipped} had nothing to fill, ${after.pending} left${why}, ${after.gaveUp} given up; no order placed`)
    return after.pending + after.gaveUp > 0 ? 1 : 0
  } finally {
    await rt.close()
    await close()
  }
}
