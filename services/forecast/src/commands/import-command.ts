import { parseArgs } from 'node:util'
import { importBarsFile } from '../bars/import-bars'
import { CsvFormatError, CsvRowsError, UsageError } from '../errors'
import { cliDatabase, cliSetup, type CliContext } from './cli-context'

export const IMPORT_USAGE = 'forecast import <file.csv> [--symbol X] [--skip-bad]'

/** `forecast import`: loads a CSV of bars; exit 1 (nothing imported) when a row is bad, unless --skip-bad. */
export async function importCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { symbol: { type: 'string' }, 'skip-bad': { type: 'boolean', default: false } } })
  const file = positionals[0]
  if (!file || positionals.length > 1) throw new UsageError(`usage: ${IMPORT_USAGE}`)
  const { config, logger } = cliSetup(ctx)
  const { db, close } = await cliDatabase(config, logger)
  try {
    const r = await importBarsFile(db, file, { symbol: values.symbol, skipBad: values['skip-bad'] })
    for (const p of r.problems) ctx.err(`skipped line ${p.line}: ${p.message}`)
    ctx.out(`imported ${file}: ${r.rows} rows, ${r.valid} valid, ${r.inserted} inserted, ${r.existing} already stored, ${r.problems.length} skipped (separator "${r.delimiter}")`)
    return 0
  } catch (err) {
    if (err instanceof CsvRowsError || err instanceof CsvFormatError) {
      ctx.err(`${file}: ${err.message}`)
      return 1
    }
    throw err
  } finally {
    await close()
  }
}
