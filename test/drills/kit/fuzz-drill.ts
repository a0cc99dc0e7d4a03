import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type fc from 'fast-check'
import type { Logger } from 'pino'
import { afterAll, beforeAll, expect } from 'vitest'
import { sampleForecastRows } from '@pulsetrade/bench/sample-forecast-rows'
import type { TestDatabase } from '@pulsetrade/db/testing'
import { createForecastsRepo } from '@pulsetrade/forecast/repository'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, loadPromptRegistry, type LlmClientInstance, type LoadedPromptRegistry } from '@pulsetrade/llm'
import { testDatabase } from '../../db'
import { captureSchemas, fuzzApp, type RouteReport } from './fuzz-app'
import { captureLogs, type CapturedLogs } from './log-capture'

/** Requests per route (drill 6 asks for at least 1,000). */
export const RUNS = 1000
/** FUZZ_SEED=<n> replays a failing run. */
export const SEED = Number(process.env.FUZZ_SEED ?? 20_241_126)
const PROMPTS = fileURLToPath(new URL('../../../configs/llm_prompts.yaml', import.meta.url))

export interface FuzzTarget {
  db: TestDatabase
  logs: CapturedLogs
  /** DATABASE_URL, LLM_BASE_URL (the simulator) and LOG_LEVEL for a service's loadConfig. */
  env: () => Record<string, string>
  llm: (logger: Logger) => LlmClientInstance
  prompts: () => LoadedPromptRegistry
  /**
   * Fuzzes every route of the app (built but not ready) and checks drill 6's promises: each route
   * got RUNS requests, none answered 5xx or went unanswered, nothing was logged at error level and
   * no promise rejection went unhandled. Closes the app.
   */
  fuzz: (app: FastifyInstance, headers?: fc.Arbitrary<Record<string, string>>) => Promise<RouteReport[]>
}

/**
 * Per test file: a migrated database holding five stored forecasts (ids 1..5, so replay and the
 * recent list do real work), the simulator answering at once, a logger writing into memory, and
 * an unhandledRejection listener. Call at module level.
 */
export function fuzzTarget(): FuzzTarget {
  let sim: LexiSim | undefined
  let db: TestDatabase | undefined
  const clients: LlmClientInstance[] = []
  const rejections: unknown[] = []
  const onRejection = (reason: unknown): void => {
    rejections.push(reason)
  }
  const logs = captureLogs()
  beforeAll(async () => {
    process.on('unhandledRejection', onRejection)
    db = await testDatabase()
    sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
    await createForecastsRepo(db.pool).insertMany(sampleForecastRows(5))
  })
  afterAll(async () => {
    process.off('unhandledRejection', onRejection)
    await Promise.all(clients.map((c) => c.close()))
    await sim?.close()
  })
  const ready = <T>(x: T | undefined, what: string): T => {
    if (x === undefined) throw new Error(`${what} is set up in beforeAll`)
    return x
  }
  return {
    get db() {
      return ready(db, 'the database')
    },
    logs,
    env: () => ({ DATABASE_URL: ready(db, 'the database').url, LLM_BASE_URL: `${ready(sim, 'the simulator').url}/v1`, LOG_LEVEL: 'warn' }),
    llm: (logger) => {
      const c = createLlmClient({ baseURL: `${ready(sim, 'the simulator').url}/v1`, timeoutMs: 5_000, db: ready(db, 'the database').pool, logger })
      clients.push(c)
      return c
    },
    prompts: () => loadPromptRegistry(PROMPTS),
    fuzz: async (app, headers) => {
      const schemas = captureSchemas(app)
      try {
        const reports = await fuzzApp(app, schemas, { runs: RUNS, seed: SEED, ...(headers ? { headers } : {}) })
        for (const r of reports) {
          expect(r.requests, r.route).toBeGreaterThanOrEqual(RUNS)
          expect(r.failures.slice(0, 3), `${r.route}: 5xx or no answer (FUZZ_SEED=${SEED})`).toEqual([])
        }
        expect(logs.atLeast(50), 'error-level log lines').toEqual([])
        expect(rejections, 'unhandled rejections').toEqual([])
        return reports
      } finally {
        await app.close()
      }
    },
  }
}

/** Status counts of one route, e.g. `statusesOf(reports, 'POST /llm/chat')[200]`. */
export const statusesOf = (reports: RouteReport[], route: string): Record<string, number> => reports.find((r) => r.route === route)?.statuses ?? {}
export const routesOf = (reports: RouteReport[]): string[] => reports.map((r) => r.route).sort()
