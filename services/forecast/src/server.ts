import { configOrExit, createLogger } from '@pulsetrade/config'
import { gracefulShutdown } from '@pulsetrade/http'
import { Registry } from 'prom-client'
import { buildApp } from './app'
import { createBarsRepo } from './bars/bars-repo'
import { importBarsFile } from './bars/import-bars'
import { createSyntheticFeed } from './bars/synthetic-feed'
import { loadConfig } from './config'
import { createForecastRuntime } from './forecast-runtime'
import { openDatabase } from './open-database'
import { BUNDLED_CSV, fromRepo } from './repo-paths'

/**
 * The forecast worker process (the composition root): reads env, opens Postgres (migrating it),
 * imports the bundled bars when market_bars is empty, runs the worker until SIGINT/SIGTERM and
 * serves /healthz, /readyz, /metrics and /status on PORT (8004).
 */
const config = configOrExit('forecast', () => loadConfig(process.env))
const logger = createLogger(config, 'forecast')
const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  embeddedPort: config.EMBEDDED_PG_PORT,
  embeddedDataDir: config.EMBEDDED_PG_DATA_DIR,
  poolMax: 12,
  logger,
  name: 'pulsetrade-forecast',
})
const { db } = database

if ((await createBarsRepo(db).count()) === 0) {
  const file = config.FORECAST_BOOTSTRAP_CSV ? fromRepo(config.FORECAST_BOOTSTRAP_CSV) : BUNDLED_CSV
  const r = await importBarsFile(db, file, { symbol: config.FORECAST_BOOTSTRAP_SYMBOL })
  logger.info({ file, inserted: r.inserted, symbol: config.FORECAST_BOOTSTRAP_SYMBOL }, 'market_bars was empty: imported the bootstrap file')
}

const metrics = new Registry()
// A bad LLM_AB_BUCKETS or prompt file stops the start with one line, like a bad setting.
const runtime = configOrExit('forecast', () => createForecastRuntime({ config, db, logger, metrics }))
const app = buildApp({ db, llm: runtime.llm, logger, metrics: [metrics, runtime.llm.metrics], status: runtime.worker.status })

let feedTimer: NodeJS.Timeout | null = null
if (config.FORECAST_FEED) {
  const feed = createSyntheticFeed({ db, symbol: config.FORECAST_FEED_SYMBOL, seed: config.FORECAST_FEED_SEED })
  if (!(await createBarsRepo(db).latest(config.FORECAST_FEED_SYMBOL))) await feed.append(config.FORECAST_MIN_BARS)
  feedTimer = setInterval(() => {
    feed.append(1).catch((err: unknown) => logger.warn({ err }, 'synthetic feed append failed'))
  }, config.FORECAST_FEED_INTERVAL_MS)
}

const running = runtime.worker.run().catch((err: unknown) => {
  logger.fatal({ err }, 'forecast worker stopped')
  process.exitCode = 1
  void app.close()
})

app.addHook('onClose', async () => {
  if (feedTimer) clearInterval(feedTimer)
  runtime.worker.stop()
  await running
  await runtime.close()
  await database.close()
})
gracefulShutdown(app, { logger, delayMs: Math.max(10_000, config.LLM_TIMEOUT_MS + 5_000) })
await app.listen({ host: config.HOST, port: config.PORT })
logger.info({ port: config.PORT, model: config.FORECAST_MODEL, llm: config.LLM_BASE_URL }, 'forecast worker running')
