import { parseArgs } from 'node:util'
import { describeBars } from '../bars/describe-bars'
import { DEFAULT_SYMBOL, importBarsFile, readBarsFile } from '../bars/import-bars'
import { CsvFormatError, CsvRowsError, UsageError } from '../errors'
import { cliDatabase, cliSetup, type CliContext } from './cli-context'

export const IMPORT_USAGE = 'forecast import <file.csv> [--symbol X] [--skip-bad] [--adjust] [--dry-run]'

const day = (d: Date | null): string => (d === null ? '–' : d.toISOString().replace('T00:00:00.000Z', ''))

/**
 * `forecast import`: loads a CSV of bars; exit 1 (nothing imported) when a row is bad, unless
 * --skip-bad. --dry-run prints the detected layout and the first bars and writes nothing (same exit code).
 */
export async function importCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      symbol: { type: 'string' },
      'skip-bad': { type: 'boolean', default: false },
      adjust: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  })
  const file = positionals[0]
  if (!file || positionals.length > 1) throw new UsageError(`usage: ${IMPORT_USAGE}`)
  const opts = { symbol: values.symbol, skipBad: values['skip-bad'], adjust: values.adjust }
  try {
    if (values['dry-run']) {
      const parsed = await readBarsFile(file, opts)
      ctx.out(`dry run of ${file}: nothing is written`)
      for (const line of describeBars(parsed, { ...opts, defaultSymbol: DEFAULT_SYMBOL })) ctx.out(line)
      if (parsed.problems.length > 0 && !opts.skipBad) throw new CsvRowsError(parsed.problems)
      for (const p of parsed.problems) ctx.err(`would skip line ${p.line}: ${p.message}`)
      return 0
    }
    const { config, logger } = cliSetup(ctx)
    const { db, close } = await cliDatabase(config, logger)
    try {
      const r = await importBarsFile(db, file, opts)
      for (const p of r.problems) ctx.err(`skipped line ${p.line}: ${p.message}`)
      const sep = r.delimiter === '\t' ? 'tab' : r.delimiter
      ctx.out(
        `imported ${file}: ${r.rows} rows, ${r.valid} valid, ${r.inserted} inserted, ${r.existing} already stored, ${r.problems.length} skipped (separator "${sep}"); ` +
          `${r.duplicates} exact duplicate(s) dropped; bars ${day(r.first)} … ${day(r.last)}${r.order === 'ascending' ? '' : ` (file order ${r.order})`}`,
      )
      return 0
    } finally {
      await close()
    }
  } catch (err) {
    if (err instanceof CsvRowsError || err instanceof CsvFormatError) {
      ctx.err(`${file}: ${err.message}`)
      return 1
    }
    throw err
  }
}
