import { createForecastsRepo } from '../pipeline/forecasts-repo'
import { cliDatabase, cliSetup, type CliContext } from './cli-context'

/** `forecast resolve`: fills realized_return of every forecast whose horizon has passed. */
export async function resolveCommand(_args: string[], ctx: CliContext): Promise<number> {
  const { config, logger } = cliSetup(ctx)
  const { db, close } = await cliDatabase(config, logger, 2)
  try {
    const repo = createForecastsRepo(db)
    let total = 0
    for (let n = await repo.resolve(); n > 0; n = await repo.resolve()) total += n
    ctx.out(`resolved ${total} forecast(s)`)
    return 0
  } finally {
    await close()
  }
}
