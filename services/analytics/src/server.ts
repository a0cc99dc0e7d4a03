import { configOrExit, createLogger } from '@pulsetrade/config'
import { createPool } from '@pulsetrade/db'
import { gracefulShutdown } from '@pulsetrade/http'
import { clientOptionsFromEnv, createLlmClient, loadPromptRegistry } from '@pulsetrade/llm'
import { buildApp } from './app'
import { loadConfig } from './config'

// The composition root of the analytics service: the only place that reads the environment.
const config = configOrExit('analytics', () => loadConfig(process.env))
const logger = createLogger(config, 'analytics')
// A bad LLM_AB_BUCKETS or prompt file stops the start with one line, like a bad setting.
const prompts = configOrExit('analytics', () => loadPromptRegistry(config.LLM_PROMPTS_PATH, { abBuckets: config.LLM_AB_BUCKETS, logger }))
const db = createPool({ connectionString: config.DATABASE_URL, applicationName: 'pulsetrade-analytics' })
const llm = createLlmClient({ ...clientOptionsFromEnv(config), logger, db })
const app = buildApp({ config, db, llm, prompts, logger, metrics: [llm.metrics] })
app.addHook('onClose', async () => {
  await llm.close()
  await db.end()
})
gracefulShutdown(app, { logger })
await app.listen({ host: config.HOST, port: config.PORT })
