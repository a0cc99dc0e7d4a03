import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import type { TestDatabase } from '@pulsetrade/db/testing'
import { clientOptionsFromEnv, createLlmClient, loadPromptRegistry, type LlmClientInstance } from '@pulsetrade/llm'
import { buildApp } from '../src/app'
import { loadConfig } from '../src/config'

export const PROMPTS_PATH = fileURLToPath(new URL('../../../configs/llm_prompts.yaml', import.meta.url))

/** The chat token the test apps accept (CHAT_TOKENS, as `tester`), and its header. */
export const CHAT_TOKEN = 'chat-test-token-0123456789'
export const chatAuth = { authorization: `Bearer ${CHAT_TOKEN}` }

/** The api app wired as server.ts does it, against a test database and an LLM base URL. */
export function buildTestApp(
  db: TestDatabase,
  baseURL: string,
  env: Record<string, string> = {},
  now?: () => number,
): { app: FastifyInstance; llm: LlmClientInstance } {
  const config = loadConfig({
    DATABASE_URL: db.url,
    LLM_BASE_URL: baseURL,
    LOG_LEVEL: 'silent',
    LLM_TIMEOUT_MS: '5000',
    CHAT_TOKENS: `tester=${CHAT_TOKEN}`,
    ...env,
  })
  const logger = pino({ level: 'silent' })
  const llm = createLlmClient({
    ...clientOptionsFromEnv(config),
    healthTimeoutMs: config.LLM_HEALTH_TIMEOUT_MS,
    db: db.pool,
    logger,
  })
  const prompts = loadPromptRegistry(PROMPTS_PATH)
  const app = buildApp({ config, db: db.pool, llm, prompts, logger, metrics: [llm.metrics], ...(now === undefined ? {} : { now }) })
  app.addHook('onClose', async () => {
    await llm.close()
  })
  return { app, llm }
}

/**
 * For a test file: one lexi-sim (faults and stats reset before each test) and `app()`, a test app
 * against it (or another base URL) with `defaults` under `env`, every app closed after the file.
 */
export function useSimApps(db: TestDatabase, defaults: Record<string, string> = {}) {
  let sim: LexiSim | undefined
  const apps: FastifyInstance[] = []
  beforeAll(async () => {
    sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
  })
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()))
    await sim?.close()
  })
  beforeEach(() => {
    sim?.resetFaults()
    sim?.resetStats()
  })
  return {
    get sim(): LexiSim {
      if (sim === undefined) throw new TypeError('useSimApps: the simulator starts in beforeAll')
      return sim
    },
    app(env: Record<string, string> = {}, baseURL?: string, now?: () => number): FastifyInstance {
      const built = buildTestApp(db, baseURL ?? `${this.sim.url}/v1`, { ...defaults, ...env }, now)
      apps.push(built.app)
      return built.app
    },
  }
}
