import { configOrExit, createLogger } from '@pulsetrade/config'
import { createPool } from '@pulsetrade/db'
import { gracefulShutdown } from '@pulsetrade/http'
import { clientOptionsFromEnv, createLlmClient, loadPromptRegistry } from '@pulsetrade/llm'
import { buildApp } from './app'
import { loadConfig } from './config'

// The composition root of the api service: the only place that reads the environment.
const config = configOrExit('api', () => loadConfig(process.env))
const logger = createLogger(config, 'api')
// A bad LLM_AB_BUCKETS or prompt file stops the start with one line, like a bad setting.
const prompts = configOrExit('api', () => loadPromptRegistry(config.LLM_PROMPTS_PATH, { abBuckets: config.LLM_AB_BUCKETS, logger }))
const db = createPool({ connectionString: config.DATABASE_URL, applicationName: 'pulsetrade-api' })
const llm = createLlmClient({ ...clientOptionsFromEnv(config), healthTimeoutMs: config.LLM_HEALTH_TIMEOUT_MS, logger, db })
const app = buildApp({ config, db, llm, prompts, logger, metrics: [llm.metrics] })
app.addHook('onClose', async () => {
  await llm.close()
  await db.end()
})
gracefulShutdown(app, { logger })
await app.listen({ host: config.HOST, port: config.PORT })
// Warm the probe (connection, code paths) so the first operator check does not pay for a cold start.
void app.inject({ method: 'GET', url: '/llm/health' }).catch(() => {})
