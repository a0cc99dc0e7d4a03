import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { Registry } from 'prom-client'
import { createForecastRuntime } from '../forecast-runtime'
import { createModelRegistry } from '../models/model-registry'
import { createJobsRepo } from '../pipeline/jobs-repo'
import { cliDatabase, cliSetup, type CliContext } from './cli-context'

export const RUN_USAGE = 'forecast run [--once]'

/**
 * `forecast run`: the worker in the foreground. With --once it processes everything pending
 * (including what other workers' expired leases give back) and exits; exit 1 only when a bar
 * failed for good (LLM failures are not failures: the rows are written with the error).
 */
export async function runCommand(args: string[], ctx: CliContext, signals: { onStop: (fn: () => void) => void }): Promise<number> {
  const { values } = parseArgs({ args, options: { once: { type: 'boolean', default: false } } })
  const { config, logger } = cliSetup(ctx)
  const { db, close } = await cliDatabase(config, logger, 10)
  const version = createModelRegistry()[config.FORECAST_MODEL].version
  const jobs = createJobsRepo(db, { workerId: 'cli', leaseMs: config.FORECAST_LEASE_MS })
  await jobs.enqueue({ modelVersion: version, horizon: config.FORECAST_HORIZON, minBars: config.FORECAST_MIN_BARS })
  const total = (await jobs.counts(version)).pending

  const started = Date.now()
  let done = 0
  let lastLine = started
  const bar =
    ctx.isTTY && values.once
      ? new cliProgress.SingleBar(
          { format: 'forecast {bar} {value}/{total} bars | {rate} bars/s | eta {eta_formatted}', hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : null
  bar?.start(total, 0, { rate: '0.0' })
  const rate = (): string => (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1)
  const onProgress = (p: { done: number }): void => {
    done = p.done
    if (bar) {
      bar.update(Math.min(done, total), { rate: rate() })
      return
    }
    if (Date.now() - lastLine >= 5000) {
      lastLine = Date.now()
      ctx.out(`forecast: ${done} bars done, ${rate()} bars/s`)
    }
  }

  const rt = createForecastRuntime({ config, db, logger, metrics: new Registry(), onProgress })
  signals.onStop(() => rt.worker.stop())
  try {
    const s = values.once ? await rt.worker.runOnce() : await rt.worker.run()
    bar?.stop()
    const counts = await jobs.counts(version)
    ctx.out(
      `forecast ${version}: ${s.done} bars in ${s.seconds.toFixed(1)} s (${s.perSecond.toFixed(1)} bars/s), ` +
        `${s.failed} failed attempts, ${s.resolved} resolved; queue: ${counts.done} done, ${counts.pending} pending, ${counts.failed} failed`,
    )
    return counts.failed > 0 ? 1 : 0
  } finally {
    bar?.stop()
    await rt.close()
    await close()
  }
}
