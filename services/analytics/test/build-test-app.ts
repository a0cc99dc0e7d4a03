import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import type { TestDatabase } from '@pulsetrade/db/testing'
import { clientOptionsFromEnv, createLlmClient, loadPromptRegistry, type LlmClientInstance } from '@pulsetrade/llm'
import { buildApp } from '../src/app'
import { loadConfig } from '../src/config'

export const PROMPTS_PATH = fileURLToPath(new URL('../../../configs/llm_prompts.yaml', import.meta.url))

/** The analytics app wired as server.ts does it, against a test database and an LLM base URL. */
export function buildTestApp(db: TestDatabase, baseURL: string, env: Record<string, string> = {}): { app: FastifyInstance; llm: LlmClientInstance } {
  const config = loadConfig({ DATABASE_URL: db.url, LLM_BASE_URL: baseURL, LOG_LEVEL: 'silent', LLM_TIMEOUT_MS: '5000', ...env })
  const logger = pino({ level: 'silent' })
  const llm = createLlmClient({
    ...clientOptionsFromEnv(config),
    db: db.pool,
    logger,
  })
  const prompts = loadPromptRegistry(PROMPTS_PATH)
  const app = buildApp({ config, db: db.pool, llm, prompts, logger, metrics: [llm.metrics] })
  app.addHook('onClose', async () => {
    await llm.close()
  })
  return { app, llm }
}
