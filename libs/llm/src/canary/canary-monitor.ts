import type { Db } from '@pulsetrade/db'
import type { Logger } from 'pino'
import type { PromptRegistry, RenderedPrompt } from '../types'
import { DEFAULT_SPRT, sprt, type SprtOptions, type SprtVerdict } from './sprt'

/** What the monitor needs of a call's result (an LlmResult, optionally with its grounding). */
export interface ArmOutcome {
  prompt: string
  version: string
  ok: boolean
  valid_json: boolean
  /** The first answer was unusable and the client's repair call fixed it. */
  repaired?: boolean
  raw: string
  latency_ms: number
  grounding?: { unmatched: readonly unknown[] } | undefined
}

export interface CanaryOptions {
  db: Db
  /** The registry as loaded (knows the splits: arms()). */
  registry: PromptRegistry & { arms: (name: string) => ReadonlyArray<{ version: string }> | null }
  logger?: Logger
  /** Flush counters, run the test and read the stops table every pollMs (LLM_CANARY_POLL_MS). */
  pollMs: number
  sprt?: SprtOptions
  /** Who decides a stop in audit_log (default "canary"). */
  actor?: string
}

export interface ArmStats {
  n: number
  failed: number
  invalid_json: number
  invalid_schema: number
  errors: number
  grounded_n: number
  ungrounded: number
  latency_ms_sum: number
}
const ZERO = (): ArmStats => ({ n: 0, failed: 0, invalid_json: 0, invalid_schema: 0, errors: 0, grounded_n: 0, ungrounded: 0, latency_ms_sum: 0 })
const COLS = ['n', 'failed', 'invalid_json', 'invalid_schema', 'errors', 'grounded_n', 'ungrounded', 'latency_ms_sum'] as const

export interface CanaryMonitor {
  /** Counts one call's outcome (in memory; flushed in one upsert per tick). Calls to unsplit prompts are ignored. */
  observe: (r: ArmOutcome) => void
  isStopped: (prompt: string, version: string) => boolean
  /** The registry with stopped arms sent to the active version. */
  registry: PromptRegistry
  /** One tick: flush, decide, refresh the stop set. */
  tick: () => Promise<void>
  start: () => void
  close: () => Promise<void>
}

const key = (prompt: string, version: string): string => `${prompt}\n${version}`

/** The stops-table row for an arm the test condemns; one per metric that crosses. */
function evidenceOf(metric: string, v: SprtVerdict, arm: ArmStats, control: ArmStats, controlVersion: string, o: SprtOptions): Record<string, unknown> {
  return {
    metric,
    control_version: controlVersion,
    llr: v.llr,
    threshold: v.threshold,
    p0: v.p0,
    p1: v.p1,
    rate: v.rate,
    control_rate: v.controlRate,
    alpha: o.alpha,
    beta: o.beta,
    delta0: o.delta0,
    delta1: o.delta1,
    min_samples: o.minSamples,
    arm: { ...arm, mean_latency_ms: arm.n > 0 ? arm.latency_ms_sum / arm.n : null },
    control: { ...control, mean_latency_ms: control.n > 0 ? control.latency_ms_sum / control.n : null },
  }
}

/**
 * Canary abort for LLM_AB_BUCKETS splits: every process counts its calls' outcomes per prompt
 * version, flushes them into llm_arm_stats with one atomic upsert per tick, runs an SPRT per
 * challenger against the active version (failure = not ok or repaired: invalid JSON, schema or error; and, for
 * rationale, ungrounded among ok answers) on the shared counts, and records a stop in
 * llm_arm_stops + audit_log. Every process polls the open stops; a stopped arm's traffic goes to
 * the active version until an operator resumes it (POST /llm/admin/arms/resume).
 */
export function createCanaryMonitor(opts: CanaryOptions): CanaryMonitor {
  const o = opts.sprt ?? DEFAULT_SPRT
  const log = opts.logger?.child({ component: 'llm-canary' })
  const pending = new Map<string, { prompt: string; version: string; s: ArmStats }>()
  let stopped = new Set<string>()
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> | null = null

  const split = (prompt: string): boolean => {
    try {
      return opts.registry.arms(prompt) !== null
    } catch {
      return false
    }
  }

  const observe = (r: ArmOutcome): void => {
    if (!split(r.prompt)) return
    const k = key(r.prompt, r.version)
    let p = pending.get(k)
    if (p === undefined) {
      p = { prompt: r.prompt, version: r.version, s: ZERO() }
      pending.set(k, p)
    }
    const s = p.s
    s.n++
    s.latency_ms_sum += r.latency_ms
    // The arm's own quality: an answer the client had to repair counts as a failure (the repair hides it).
    if (!r.ok || r.repaired === true) {
      s.failed++
      if (r.ok || (!r.valid_json && r.raw !== '')) s.invalid_json++
      else if (r.valid_json) s.invalid_schema++
      else s.errors++
    }
    if (r.ok && r.grounding !== undefined) {
      s.grounded_n++
      if (r.grounding.unmatched.length > 0) s.ungrounded++
    }
  }

  async function flush(): Promise<void> {
    if (pending.size === 0) return
    const batch = [...pending.values()]
    pending.clear()
    const arrays = COLS.map((c) => batch.map((b) => b.s[c]))
    try {
      await opts.db.query(
        `INSERT INTO llm_arm_stats (prompt, version, ${COLS.join(', ')})
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::float8[])
         ON CONFLICT (prompt, version) DO UPDATE SET ${COLS.map((c) => `${c} = llm_arm_stats.${c} + EXCLUDED.${c}`).join(', ')}, updated_at = now()`,
        [batch.map((b) => b.prompt), batch.map((b) => b.version), ...arrays],
      )
    } catch (err) {
      // Nothing lost: the counts go back into the next flush.
      for (const b of batch) {
        const k = key(b.prompt, b.version)
        const p = pending.get(k)
        if (p === undefined) pending.set(k, b)
        else for (const c of COLS) p.s[c] += b.s[c]
      }
      log?.warn({ err }, 'canary counters not flushed; retried next tick')
    }
  }

  async function decide(): Promise<void> {
    const prompts = opts.registry.names().filter(split)
    if (prompts.length === 0) return
    const { rows } = await opts.db.query<ArmStats & { prompt: string; version: string }>(
      `SELECT prompt, version, ${COLS.map((c) => `${c}::float8 AS ${c}`).join(', ')} FROM llm_arm_stats WHERE prompt = ANY($1::text[])`,
      [prompts],
    )
    for (const prompt of prompts) {
      const controlVersion = opts.registry.active(prompt).version
      const control = rows.find((r) => r.prompt === prompt && r.version === controlVersion)
      if (control === undefined) continue
      for (const arm of rows.filter((r) => r.prompt === prompt && r.version !== controlVersion)) {
        if (stopped.has(key(prompt, arm.version))) continue
        const tests: Array<[string, SprtVerdict]> = [
          ['failed', sprt({ n: arm.n, failures: arm.failed, controlN: control.n, controlFailures: control.failed }, o)],
        ]
        if (arm.grounded_n > 0 && control.grounded_n > 0) {
          tests.push([
            'ungrounded',
            sprt({ n: arm.grounded_n, failures: arm.ungrounded, controlN: control.grounded_n, controlFailures: control.ungrounded }, o),
          ])
        }
        const hit = tests.find(([, v]) => v.stop)
        if (hit === undefined) continue
        await recordStop(prompt, arm.version, hit[0], evidenceOf(hit[0], hit[1], arm, control, controlVersion, o))
      }
    }
  }

  async function recordStop(prompt: string, version: string, metric: string, evidence: Record<string, unknown>): Promise<void> {
    const client = await opts.db.connect()
    try {
      await client.query('BEGIN')
      const ins = await client.query<{ id: string }>(
        `INSERT INTO llm_arm_stops (prompt, version, metric, evidence) VALUES ($1, $2, $3, $4)
         ON CONFLICT (prompt, version) WHERE resumed_at IS NULL DO NOTHING RETURNING id`,
        [prompt, version, metric, evidence],
      )
      if (ins.rows.length > 0) {
        await client.query('INSERT INTO audit_log (actor, action, reason, details) VALUES ($1, $2, $3, $4)', [
          opts.actor ?? 'canary',
          'llm.arm.stop',
          `${metric} rate of ${prompt}@${version} worse than the control beyond the SPRT bound`,
          { prompt, version, stop_id: Number(ins.rows[0]!.id), ...evidence },
        ])
      }
      await client.query('COMMIT')
      if (ins.rows.length > 0)
        log?.error({ prompt, version, metric, evidence }, 'LLM canary arm STOPPED: its traffic goes to the active version until an operator resumes it')
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
    stopped.add(key(prompt, version))
  }

  async function refreshStops(): Promise<void> {
    const { rows } = await opts.db.query<{ prompt: string; version: string }>('SELECT prompt, version FROM llm_arm_stops WHERE resumed_at IS NULL')
    stopped = new Set(rows.map((r) => key(r.prompt, r.version)))
  }

  const tick = async (): Promise<void> => {
    if (running !== null) return running
    running = (async () => {
      try {
        await flush()
        await decide()
        await refreshStops()
      } catch (err) {
        log?.warn({ err }, 'canary tick failed; retried next tick')
      } finally {
        running = null
      }
    })()
    return running
  }

  const isStopped = (prompt: string, version: string): boolean => stopped.has(key(prompt, version))

  const inner = opts.registry
  const registry: PromptRegistry = {
    ...inner,
    render: (name, vars, ro = {}): RenderedPrompt => {
      const r = inner.render(name, vars, ro)
      if (ro.version !== undefined || r.arm === null || !isStopped(name, r.version)) return r
      // A stopped arm: served by the control, outside the split (arm null), bucket kept for the record.
      return { ...inner.render(name, vars, { ...ro, version: inner.active(name).version }), bucket: r.bucket }
    },
  }

  return {
    observe,
    isStopped,
    registry,
    tick,
    start: () => {
      if (timer !== null) return
      void tick()
      timer = setInterval(() => {
        void tick()
      }, opts.pollMs)
      timer.unref()
    },
    close: async () => {
      if (timer !== null) clearInterval(timer)
      timer = null
      await tick()
    },
  }
}
