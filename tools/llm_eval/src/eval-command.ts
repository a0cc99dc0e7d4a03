import { relative } from 'node:path'
import pino from 'pino'
import { createLogger, type Env } from '@pulsetrade/config'
import { APP_DATABASE, createPool, embeddedUrl, type Db } from '@pulsetrade/db'
import { clientOptionsFromEnv, createLlmClient, loadPromptRegistry } from '@pulsetrade/llm'
import { RUN_USAGE, parseEvalArgs, type EvalOptions } from './eval-args'
import { loadEvalEnv } from './eval-config'
import { itemsSha256 } from './dataset-hash'
import { EvalError, EvalUnreachableError, EvalUsageError } from './errors'
import { resolveTargets } from './eval-targets'
import { summaryLines } from './format-summary'
import { evaluateGates } from './gates'
import { writeJunit } from './junit'
import { loadSource, type EvalSource } from './load-source'
import { gitRevision, redactUrl, type EvalManifest } from './manifest'
import { fetchModelCards } from './model-card'
import { createProgress } from './progress'
import { planRerun } from './rerun-failed'
import { createResultsWriter, newRunId } from './results-writer'
import { runEval } from './run-eval'
import { SIMULATED_LABEL, checkSimulator } from './simulator-check'
import { summarize } from './summarize'

export interface CommandContext {
  env: Env
  cwd: string
  out: (line: string) => void
  err: (line: string) => void
  /** Where the progress bar or progress lines go. */
  progressStream: { write: (s: string) => unknown; isTTY?: boolean }
  /** Aborted on SIGINT: the run stops, and what was done is still written. */
  signal?: AbortSignal
}

const PREFLIGHT_TIMEOUT_MS = 5_000
const SIMULATOR_CHECK_TIMEOUT_MS = 2_000

/** Error codes meaning the endpoint could not be reached at all (not a bad answer). */
const UNREACHABLE_CODES = new Set(['LLM_ERR_UNREACHABLE', 'LLM_ERR_CIRCUIT_OPEN'])

/** Options as recorded in manifest.json (no secrets). */
const recordedOptions = (o: EvalOptions, extra: Record<string, unknown>): Record<string, unknown> => ({
  dataset: o.dataset,
  prompts: o.prompts,
  limit: o.limit,
  selection: o.selection,
  out: o.out,
  use_cache: o.useCache,
  confident_min: o.confidentMin,
  gates: o.gates,
  junit: o.junit,
  rerun_failed: o.rerunFailed,
  ...extra,
})

/**
 * `pnpm eval run ...`: 0 when every gate passes, 1 when one fails (one line each on stderr), 3 when
 * the endpoint cannot be reached (before the run, or for every call of it). Usage errors throw
 * EvalUsageError (the CLI exits 2).
 */
export async function evalRunCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const opts = parseEvalArgs(argv)
  if (opts.help) {
    ctx.out(RUN_USAGE)
    return 0
  }
  const env = loadEvalEnv(ctx.env)
  const logger = createLogger(env, 'llm-eval', pino.destination(2))
  const registry = loadPromptRegistry(opts.promptsFile ?? env.LLM_PROMPTS_PATH, { logger })
  const rerun = opts.rerunFailed === null ? null : await planRerun(opts.rerunFailed, registry)
  const targets = rerun?.targets ?? resolveTargets(opts.prompts, registry)
  const baseUrls = opts.baseUrl !== null ? [opts.baseUrl.replace(/\/+$/, '')] : env.LLM_BASE_URL
  const dbUrl = env.DATABASE_URL ?? embeddedUrl(env.EMBEDDED_PG_PORT, APP_DATABASE)
  const concurrency = opts.concurrency ?? env.LLM_CONCURRENCY
  const timeoutMs = opts.timeoutMs ?? env.LLM_TIMEOUT_MS
  const runId = opts.runId ?? newRunId()
  const startedAt = new Date()
  if (rerun !== null) {
    for (const n of rerun.notes) ctx.err(n)
    if (rerun.jobs.length === 0) {
      ctx.out(`${opts.rerunFailed}: none of its ${rerun.calls} calls failed; nothing to rerun`)
      return 0
    }
  }
  let db: Db | null = null
  let junitWritten = false
  try {
    if ((rerun === null && opts.dataset === null) || opts.useCache) db = createPool({ connectionString: dbUrl, max: 4, applicationName: 'llm-eval' })
    const source: EvalSource =
      rerun !== null
        ? { kind: 'jsonl', location: `${opts.rerunFailed}/records.jsonl`, items: rerun.items, fileSha256: null, skipped: 0, fallback: null, sample: null }
        : await loadSource({ dataset: opts.dataset, selection: opts.selection, db, dbUrl })
    if (source.fallback !== null)
      ctx.err(`no forecasts to replay (${source.fallback}): using the bundled dataset ${relative(ctx.cwd, source.location) || source.location}`)
    let cards
    try {
      cards = await fetchModelCards(baseUrls[0] as string, { apiKey: env.LLM_API_KEY, timeoutMs: PREFLIGHT_TIMEOUT_MS })
    } catch (err) {
      if (!(err instanceof EvalUnreachableError)) throw err
      throw new EvalUnreachableError(`${err.message}; start the simulator with \`make sim\`, or point LLM_BASE_URL (or --base-url) at a Lexi`, { cause: err })
    }
    const card = cards.find((c) => c.id === env.LLM_MODEL)
    if (card === undefined)
      throw new EvalError(`model "${env.LLM_MODEL}" is not served at ${baseUrls[0]} (served: ${cards.map((c) => c.id).join(', ') || 'none'}); set LLM_MODEL`)
    const sim = await checkSimulator(baseUrls, { apiKey: env.LLM_API_KEY, timeoutMs: SIMULATOR_CHECK_TIMEOUT_MS })
    const simLabel = sim.simulated ? `${SIMULATED_LABEL}: ` : ''

    // Every eval call is class `batch` (runEval says so per call): with LLM_PRIORITY_SCHEDULING on,
    // Lexi serves trading, forecast and chat calls of the services first. This process makes batch
    // calls only, so its batch budget is its whole concurrency.
    const client = createLlmClient({
      ...clientOptionsFromEnv(env),
      baseURL: baseUrls,
      concurrency,
      batchSlots: concurrency,
      timeoutMs,
      maxQueue: Math.max(env.LLM_MAX_QUEUE, concurrency),
      logger,
      ...(opts.useCache && db !== null ? { db } : {}),
    })
    const writer = await createResultsWriter(opts.out, runId)
    const total = rerun?.jobs.length ?? source.items.length * targets.length
    if (sim.simulated) ctx.err(`${SIMULATED_LABEL} (${sim.evidence.join('; ')})`)
    const what =
      rerun !== null
        ? `the ${total} failed calls of ${opts.rerunFailed} (${targets.map((t) => t.label).join(', ')})`
        : `${source.items.length} items${source.sample ? ` (stratified sample of ${source.sample.population}, seed ${source.sample.seed}; --all for every item)` : ''} × ${targets.map((t) => t.label).join(', ')} = ${total} calls`
    ctx.err(
      `${simLabel}eval ${runId}: ${what} against ${baseUrls.join(', ')} (model ${card.id}, concurrency ${concurrency}, cache ${opts.useCache ? 'on' : 'off'})`,
    )
    const progress = createProgress({ total, stream: ctx.progressStream })
    let errors = 0
    const run = await runEval({
      client,
      registry,
      items: source.items,
      targets,
      concurrency,
      useCache: opts.useCache,
      confidentMin: opts.confidentMin,
      timeoutMs,
      policySamples: env.LLM_POLICY_SAMPLES,
      ...(rerun !== null ? { jobs: rerun.jobs } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onRecord: async (r, done) => {
        if (r.error_code !== null) errors++
        await writer.record(r)
        progress.tick(done, { errors })
      },
    }).finally(() => {
      progress.stop()
    })
    await client.close()

    const summary = summarize({
      runId,
      targets,
      items: source.items,
      records: run.records,
      wallMs: run.wallMs,
      confidentMin: opts.confidentMin,
      incomplete: run.aborted,
    })
    const git = await gitRevision(ctx.cwd)
    const locked = new Map(registry.lockStatus().entries.map((e) => [`${e.prompt}@${e.version}`, e.locked]))
    const manifest: EvalManifest = {
      run_id: runId,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      git_revision: git.revision,
      git_dirty: git.dirty,
      dataset: {
        source: source.kind,
        location: source.location,
        file_sha256: source.fileSha256,
        items_sha256: itemsSha256(source.items),
        items: source.items.length,
        items_with_outcome: summary.items_with_outcome,
        fallback: source.fallback,
        sample: source.sample,
        rerun_of: opts.rerunFailed,
      },
      prompts: targets.map((t) => ({ prompt: t.prompt, version: t.version, hash: t.hash, locked_hash: locked.get(t.label) ?? null })),
      model: { ...card, base_url: baseUrls.map(redactUrl).join(',') },
      simulated: { simulated: sim.simulated, label: sim.simulated ? SIMULATED_LABEL : null, evidence: sim.evidence },
      options: recordedOptions(opts, {
        base_urls: baseUrls.map(redactUrl),
        model: env.LLM_MODEL,
        concurrency,
        timeout_ms: timeoutMs,
        max_retries: env.LLM_MAX_RETRIES,
        priority_class: 'batch',
        priority_scheduling: env.LLM_PRIORITY_SCHEDULING,
        prompts_file: opts.promptsFile ?? env.LLM_PROMPTS_PATH,
        skipped_rows: source.skipped,
      }),
      node: process.version,
    }
    await writer.finish(summary, manifest, run.records)
    summaryLines(summary, writer.dir).forEach((line, i) => ctx.out(i === 0 ? `${simLabel}${line}` : line))
    if (run.aborted) {
      ctx.err(`interrupted: ${run.records.length}/${total} calls made; partial results in ${writer.dir}`)
      return 130
    }
    const gates = evaluateGates(summary, opts.gates)
    const unreachable = run.records.length > 0 && run.records.every((r) => r.error_code !== null && UNREACHABLE_CODES.has(r.error_code))
    if (opts.junit !== null) {
      junitWritten = true
      await writeJunit(opts.junit, {
        runId,
        dir: writer.dir,
        simulated: sim.simulated,
        endpoint: baseUrls.map(redactUrl).join(','),
        wallMs: run.wallMs,
        timestamp: startedAt.toISOString(),
        gates,
        ...(unreachable ? { error: { name: 'endpoint reachable', message: `every call failed to reach ${baseUrls.join(', ')}` } } : {}),
      })
    }
    for (const g of gates) if (!g.pass) ctx.err(g.line)
    if (unreachable) {
      ctx.err(
        `unreachable: every one of the ${run.records.length} calls failed to reach ${baseUrls.join(', ')} (${[...new Set(run.records.map((r) => r.error_code))].join(', ')})`,
      )
      return 3
    }
    return gates.some((g) => !g.pass) ? 1 : 0
  } catch (err) {
    // A run that could not be made (exit 3) still leaves CI a JUnit file that says why.
    if (opts.junit !== null && !junitWritten && err instanceof EvalError && !(err instanceof EvalUsageError)) {
      const name = err instanceof EvalUnreachableError ? 'endpoint reachable' : 'run could be made'
      await writeJunit(opts.junit, {
        runId,
        dir: null,
        simulated: false,
        endpoint: baseUrls.map(redactUrl).join(','),
        wallMs: 0,
        timestamp: startedAt.toISOString(),
        gates: [],
        error: { name, message: err.message },
      })
    }
    throw err
  } finally {
    await db?.end().catch(() => {})
  }
}
