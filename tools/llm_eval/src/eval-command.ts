import pino from 'pino'
import { createLogger, type Env } from '@pulsetrade/config'
import { APP_DATABASE, createPool, embeddedUrl, type Db } from '@pulsetrade/db'
import { createLlmClient, loadPromptRegistry } from '@pulsetrade/llm'
import { RUN_USAGE, parseEvalArgs, type EvalOptions } from './eval-args'
import { loadEvalEnv } from './eval-config'
import { itemsSha256 } from './dataset-hash'
import { EvalError } from './errors'
import { resolveTargets } from './eval-targets'
import { summaryLines } from './format-summary'
import { checkGates } from './gates'
import { loadSource } from './load-source'
import { gitRevision, redactUrl, type EvalManifest } from './manifest'
import { fetchModelCards } from './model-card'
import { createProgress } from './progress'
import { createResultsWriter, newRunId } from './results-writer'
import { runEval } from './run-eval'
import { summarize } from './summarize'

export interface CommandContext {
  env: Env
  cwd: string
  out: (line: string) => void
  err: (line: string) => void
  /** Where the progress bar or progress lines go. */
  progressStream: { write: (s: string) => unknown, isTTY?: boolean }
  /** Aborted on SIGINT: the run stops, and what was done is still written. */
  signal?: AbortSignal
}

const PREFLIGHT_TIMEOUT_MS = 5_000

/** Options as recorded in manifest.json (no secrets). */
const recordedOptions = (o: EvalOptions, extra: Record<string, unknown>): Record<string, unknown> => ({
  dataset: o.dataset, prompts: o.prompts, limit: o.limit, out: o.out, use_cache: o.useCache,
  confident_min: o.confidentMin, gates: o.gates, ...extra,
})

/** `pnpm eval run ...`: 0 when every gate passes, 1 when one fails (one line each on stderr). */
export async function evalRunCommand (argv: readonly string[], ctx: CommandContext): Promise<number> {
  const opts = parseEvalArgs(argv)
  if (opts.help) { ctx.out(RUN_USAGE); return 0 }
  const env = loadEvalEnv(ctx.env)
  const logger = createLogger(env, 'llm-eval', pino.destination(2))
  const registry = loadPromptRegistry(opts.promptsFile ?? env.LLM_PROMPTS_PATH, { logger })
  const targets = resolveTargets(opts.prompts, registry)
  const baseUrls = opts.baseUrl !== null ? [opts.baseUrl.replace(/\/+$/, '')] : env.LLM_BASE_URL
  const dbUrl = env.DATABASE_URL ?? embeddedUrl(env.EMBEDDED_PG_PORT, APP_DATABASE)
  const concurrency = opts.concurrency ?? env.LLM_CONCURRENCY
  const timeoutMs = opts.timeoutMs ?? env.LLM_TIMEOUT_MS
  let db: Db | null = null
  try {
    if (opts.dataset === null || opts.useCache) db = createPool({ connectionString: dbUrl, max: 4, applicationName: 'llm-eval' })
    const source = await loadSource({ dataset: opts.dataset, limit: opts.limit, db, dbUrl })
    const cards = await fetchModelCards(baseUrls[0] as string, { apiKey: env.LLM_API_KEY, timeoutMs: PREFLIGHT_TIMEOUT_MS })
    const card = cards.find((c) => c.id === env.LLM_MODEL)
    if (card === undefined) throw new EvalError(`model "${env.LLM_MODEL}" is not served at ${baseUrls[0]} (served: ${cards.map((c) => c.id).join(', ') || 'none'}); set LLM_MODEL`)

    const client = createLlmClient({
      baseURL: baseUrls, apiKey: env.LLM_API_KEY, model: env.LLM_MODEL, concurrency, timeoutMs,
      maxRetries: env.LLM_MAX_RETRIES, maxQueue: Math.max(env.LLM_MAX_QUEUE, concurrency), maxContextTokens: env.LLM_MAX_TOKENS,
      logger, ...(opts.useCache && db !== null ? { db } : {}),
    })
    const runId = opts.runId ?? newRunId()
    const writer = await createResultsWriter(opts.out, runId)
    const startedAt = new Date()
    const total = source.items.length * targets.length
    ctx.err(`eval ${runId}: ${source.items.length} items × ${targets.map((t) => t.label).join(', ')} = ${total} calls against ${baseUrls.join(', ')} (model ${card.id}, concurrency ${concurrency}, cache ${opts.useCache ? 'on' : 'off'})`)
    const progress = createProgress({ total, stream: ctx.progressStream })
    let errors = 0
    const run = await runEval({
      client, registry, items: source.items, targets, concurrency, useCache: opts.useCache, confidentMin: opts.confidentMin, timeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onRecord: async (r, done) => {
        if (r.error_code !== null) errors++
        await writer.record(r)
        progress.tick(done, { errors })
      },
    }).finally(() => { progress.stop() })
    await client.close()

    const summary = summarize({ runId, targets, items: source.items, records: run.records, wallMs: run.wallMs, confidentMin: opts.confidentMin, incomplete: run.aborted })
    const git = await gitRevision(ctx.cwd)
    const locked = new Map(registry.lockStatus().entries.map((e) => [`${e.prompt}@${e.version}`, e.locked]))
    const manifest: EvalManifest = {
      run_id: runId,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      git_revision: git.revision,
      git_dirty: git.dirty,
      dataset: {
        source: source.kind, location: source.location, file_sha256: source.fileSha256, items_sha256: itemsSha256(source.items),
        items: source.items.length, items_with_outcome: summary.items_with_outcome,
      },
      prompts: targets.map((t) => ({ prompt: t.prompt, version: t.version, hash: t.hash, locked_hash: locked.get(t.label) ?? null })),
      model: { ...card, base_url: baseUrls.join(',') },
      options: recordedOptions(opts, {
        base_urls: baseUrls.map(redactUrl), model: env.LLM_MODEL, concurrency, timeout_ms: timeoutMs, max_retries: env.LLM_MAX_RETRIES,
        prompts_file: opts.promptsFile ?? env.LLM_PROMPTS_PATH, skipped_rows: source.skipped,
      }),
      node: process.version,
    }
    await writer.finish(summary, manifest)
    for (const line of summaryLines(summary, writer.dir)) ctx.out(line)
    if (run.aborted) { ctx.err(`interrupted: ${run.records.length}/${total} calls made; partial results in ${writer.dir}`); return 130 }
    const failures = checkGates(summary, opts.gates)
    for (const f of failures) ctx.err(f.line)
    return failures.length > 0 ? 1 : 0
  } finally {
    await db?.end().catch(() => {})
  }
}
