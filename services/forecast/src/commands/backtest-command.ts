import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { createBarsRepo } from '../bars/bars-repo'
import { DEFAULT_SYMBOL } from '../bars/import-bars'
import { parseBarsCsv } from '../bars/parse-bars-csv'
import { formatBacktest } from '../backtest/format-backtest'
import { runBacktest } from '../backtest/run-backtest'
import { UsageError } from '../errors'
import { createModelRegistry } from '../models/model-registry'
import { cliDatabase, cliSetup, type CliContext } from './cli-context'

export const BACKTEST_USAGE = 'forecast backtest [--symbol SPX] [--horizon 1] [--min-bars 61] [--file bars.csv]'

/** `forecast backtest`: walk-forward metrics of every model against the random walk, over stored bars (or --file). */
export async function backtestCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { symbol: { type: 'string' }, horizon: { type: 'string' }, 'min-bars': { type: 'string' }, file: { type: 'string' } },
  })
  const { config, logger } = cliSetup(ctx)
  const symbol = values.symbol ?? DEFAULT_SYMBOL
  const horizon = values.horizon ? Number(values.horizon) : config.FORECAST_HORIZON
  const minBars = values['min-bars'] ? Number(values['min-bars']) : config.FORECAST_MIN_BARS
  if (!Number.isInteger(horizon) || horizon < 1 || !Number.isInteger(minBars) || minBars < 21) throw new UsageError(`usage: ${BACKTEST_USAGE}`)

  let bars
  if (values.file) {
    const parsed = parseBarsCsv(await readFile(values.file, 'utf8'), { defaultSymbol: symbol })
    bars = parsed.rows.filter((r) => r.symbol === symbol).sort((a, b) => a.ts.getTime() - b.ts.getTime())
  } else {
    const { db, close } = await cliDatabase(config, logger, 2)
    try {
      bars = await createBarsRepo(db).all(symbol)
    } finally {
      await close()
    }
  }
  if (bars.length < minBars + horizon) {
    ctx.err(`not enough bars for ${symbol}: ${bars.length} stored (import some with: forecast import data/sp500-daily-2000-2020.csv)`)
    return 1
  }
  const models = createModelRegistry()
  const result = runBacktest(symbol, bars, [models.rw, models.ewma, models.ar1], { horizon, minBars, baseline: 'rw' })
  ctx.out(formatBacktest(result))
  return 0
}
