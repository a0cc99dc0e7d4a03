import { configOrExit, createLogger } from '@pulsetrade/config'
import { createPool } from '@pulsetrade/db'
import { gracefulShutdown } from '@pulsetrade/http'
import { clientOptionsFromEnv, createLlmClient, loadPromptRegistry } from '@pulsetrade/llm'
import { createPaperBroker } from '@pulsetrade/trading'
import { buildApp } from './app'
import { loadConfig } from './config'

// The composition root of the admin service: the only place that reads the environment.
// Refuses to start without an ADMIN_TOKEN of at least 16 characters (loadConfig).
const config = configOrExit('admin', () => loadConfig(process.env))
const logger = createLogger(config, 'admin')
// A bad LLM_AB_BUCKETS or prompt file stops the start with one line, like a bad setting.
const prompts = configOrExit('admin', () => loadPromptRegistry(config.LLM_PROMPTS_PATH, { abBuckets: config.LLM_AB_BUCKETS, logger }))
const db = createPool({ connectionString: config.DATABASE_URL, applicationName: 'pulsetrade-admin' })
const llm = createLlmClient({ ...clientOptionsFromEnv(config), logger, db })
const broker = createPaperBroker({ db, slippageBps: config.PAPER_SLIPPAGE_BPS })
const app = buildApp({ config, db, llm, prompts, broker, logger, metrics: [llm.metrics] })
app.addHook('onClose', async () => {
  await llm.close()
  await db.end()
})
gracefulShutdown(app, { logger })
await app.listen({ host: config.HOST, port: config.PORT })
