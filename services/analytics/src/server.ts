import { createLogger } from '@pulsetrade/config'
import { createPool } from '@pulsetrade/db'
import { gracefulShutdown } from '@pulsetrade/http'
import { createLlmClient, loadPromptRegistry } from '@pulsetrade/llm'
import { buildApp } from './app'
import { loadConfig } from './config'

// The composition root of the analytics service: the only place that reads the environment.
let config
try {
  config = loadConfig(process.env)
} catch (err) {
  process.stderr.write(`analytics: ${(err as Error).message}\n`)
  process.exit(1)
}
const logger = createLogger(config, 'analytics')
const prompts = loadPromptRegistry(config.LLM_PROMPTS_PATH, { abBuckets: config.LLM_AB_BUCKETS, logger })
const db = createPool({ connectionString: config.DATABASE_URL, applicationName: 'pulsetrade-analytics' })
const llm = createLlmClient({
  baseURL: config.LLM_BASE_URL,
  apiKey: config.LLM_API_KEY,
  model: config.LLM_MODEL,
  concurrency: config.LLM_CONCURRENCY,
  maxQueue: config.LLM_MAX_QUEUE,
  timeoutMs: config.LLM_TIMEOUT_MS,
  maxRetries: config.LLM_MAX_RETRIES,
  maxContextTokens: config.LLM_MAX_TOKENS,
  logger,
  db,
})
const app = buildApp({ config, db, llm, prompts, logger, metrics: [llm.metrics] })
app.addHook('onClose', async () => { await llm.close(); await db.end() })
gracefulShutdown(app, { logger })
await app.listen({ host: config.HOST, port: config.PORT })
