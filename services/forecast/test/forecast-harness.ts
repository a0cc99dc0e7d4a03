import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { Registry } from 'prom-client'
import type { Db } from '@pulsetrade/db'
import { createBarsRepo } from '../src/bars/bars-repo'
import { parseBarsCsv } from '../src/bars/parse-bars-csv'
import { loadConfig, type ForecastConfig } from '../src/config'
import { createForecastRuntime } from '../src/forecast-runtime'
import type { RunSummary } from '../src/pipeline/forecast-worker'
import { BUNDLED_CSV, REPO_ROOT } from '../src/repo-paths'

export const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

/** Environment of a worker in tests: short leases and polls so a crashed worker's bars come back fast. */
export function workerEnv(databaseUrl: string, simUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    LLM_BASE_URL: `${simUrl}/v1`,
    // Generous: a loaded test machine must not turn answers into timeouts.
    LLM_TIMEOUT_MS: '120000',
    LOG_LEVEL: 'error',
    FORECAST_LEASE_MS: '1500',
    FORECAST_POLL_MS: '200',
    FORECAST_RETRY_MS: '200',
    ...extra,
  }
}

export const testConfig = (env: Record<string, string>): ForecastConfig => loadConfig(env)

/** The first `count` bars of the bundled S&P 500 file (all of them without a count), stored as SPX. */
export async function loadBundledBars(db: Db, count?: number): Promise<number> {
  const { rows } = parseBarsCsv(readFileSync(BUNDLED_CSV, 'utf8'), { defaultSymbol: 'SPX' })
  const part = count === undefined ? rows : rows.slice(0, count)
  await createBarsRepo(db).insert(part)
  return part.length
}

/** One in-process `run --once` with the production composition (runtime, client, registry, broker). */
export async function runOnceInProcess(db: Db, env: Record<string, string>): Promise<RunSummary> {
  const rt = createForecastRuntime({ config: testConfig(env), db, logger: pino({ level: 'silent' }), metrics: new Registry() })
  try {
    return await rt.worker.runOnce()
  } finally {
    await rt.close()
  }
}

export interface WorkerProcess {
  child: ChildProcess
  output: () => string
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>
}

/** Starts `forecast <args>` as a separate OS process (node + tsx), like `pnpm forecast`. */
export function spawnForecast(args: string[], env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1))
  })
  return { child, output: () => out, exited }
}

/** Waits for `p`, failing with `what` after `ms`. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([p, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** Eligible bars: those with at least `minBars` bars of history (the bar itself included). */
export async function eligibleAsofs(db: Db, minBars = 61): Promise<string[]> {
  const res = await db.query<{ ts: Date }>(
    `SELECT ts FROM (SELECT ts, row_number() OVER (PARTITION BY symbol ORDER BY ts) AS rn FROM market_bars) b
     WHERE rn >= $1 ORDER BY ts`,
    [minBars],
  )
  return res.rows.map((r) => r.ts.toISOString())
}

/**
 * The forecasts table on its unique key and every column that does not depend on timing. The
 * policy's `effective` records what happened to the order (docs/trading.md, Policy values): whether
 * a sell reduced a long depends on the order in which concurrent bars were placed, so only whether
 * an order was proposed (`no_order` or not) is compared; `orders` checks one order per proposal.
 */
export async function deterministicForecasts(db: Db): Promise<unknown[]> {
  const res = await db.query(
    `SELECT symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, realized_return,
            features->'llm'->'inputs' AS inputs,
            features->'llm'->'rationale'->'parsed' AS rationale,
            features->'llm'->'policy'->'parsed' AS policy,
            features->'llm'->'policy'->>'effective' = 'no_order' AS no_order,
            (SELECT count(*)::int FROM orders o WHERE o.forecast_id = f.id) AS orders
     FROM forecasts f ORDER BY symbol, asof, horizon, model_version`,
  )
  return res.rows
}
