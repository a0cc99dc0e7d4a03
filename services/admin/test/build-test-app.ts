import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import pino, { type Logger } from 'pino'
import type { TestDatabase } from '@pulsetrade/db/testing'
import { createLlmClient, loadPromptRegistry, type LlmClientInstance, type LoadedPromptRegistry } from '@pulsetrade/llm'
import { createPaperBroker, type Broker } from '@pulsetrade/trading'
import { buildApp } from '../src/app'
import { loadConfig } from '../src/config'

export const PROMPTS_PATH = fileURLToPath(new URL('../../../configs/llm_prompts.yaml', import.meta.url))
export const TOKEN = 'test-admin-token-0123456789'
export const auth = { authorization: `Bearer ${TOKEN}` }

/** Named admin tokens the test apps accept (ADMIN_TOKENS): requests with them act as that name. */
export const NAMED = ['ops.alice', 'ops.bob', 'ops.busy', ...Array.from({ length: 64 }, (_, i) => `burst-${i}`)]
const tokenOf = (name: string): string => `${name}-token-0123456789abcdef`
/** Headers authenticating as `name` (one of NAMED). */
export const as = (name: string): { authorization: string } => ({ authorization: `Bearer ${tokenOf(name)}` })

/**
 * The admin app wired as server.ts does it, against a test database and an LLM base URL.
 * `extra.wrapBroker` may wrap the paper broker (e.g. to hold a panic exit's steps); `extra.logger`
 * replaces the silent logger.
 */
export function buildTestApp(
  db: TestDatabase,
  baseURL: string,
  env: Record<string, string> = {},
  prompts?: LoadedPromptRegistry,
  extra: { wrapBroker?: (paper: Broker) => Broker; logger?: Logger } = {},
): { app: FastifyInstance; llm: LlmClientInstance } {
  const config = loadConfig({
    DATABASE_URL: db.url,
    LLM_BASE_URL: baseURL,
    LOG_LEVEL: 'silent',
    LLM_TIMEOUT_MS: '5000',
    ADMIN_TOKEN: TOKEN,
    ADMIN_TOKENS: NAMED.map((n) => `${n}=${tokenOf(n)}`).join(','),
    ...env,
  })
  const logger = extra.logger ?? pino({ level: 'silent' })
  const llm = createLlmClient({ baseURL: config.LLM_BASE_URL, timeoutMs: config.LLM_TIMEOUT_MS, maxRetries: config.LLM_MAX_RETRIES, db: db.pool, logger })
  const registry = prompts ?? loadPromptRegistry(PROMPTS_PATH, { abBuckets: config.LLM_AB_BUCKETS })
  const paper = createPaperBroker({ db: db.pool, slippageBps: config.PAPER_SLIPPAGE_BPS })
  const broker = extra.wrapBroker ? extra.wrapBroker(paper) : paper
  const app = buildApp({ config, db: db.pool, llm, prompts: registry, broker, logger, metrics: [llm.metrics] })
  app.addHook('onClose', async () => {
    await llm.close()
  })
  return { app, llm }
}
