import { parseArgs } from 'node:util'
import { comparisonLines, compareRuns } from './compare-runs'
import type { CommandContext } from './eval-command'
import { EvalUsageError } from './errors'
import { readRunFolder } from './run-folder'

export const COMPARE_USAGE = `pnpm eval compare RUN_A RUN_B [--json]
  compares two result folders (results/<run-id>) version by version on the items both replayed:
  validity with the exact McNemar test, errors, latency, and how many decisions changed; --json prints it as JSON`

/** `pnpm eval compare RUN_A RUN_B`: exit 0, or 2 when an argument is not a run folder. */
export async function compareCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: [...argv], options: { json: { type: 'boolean' }, help: { type: 'boolean' } }, strict: true, allowPositionals: true })
  } catch (err) {
    throw new EvalUsageError(`${(err as Error).message}\n${COMPARE_USAGE}`, { cause: err })
  }
  if (parsed.values.help === true) {
    ctx.out(COMPARE_USAGE)
    return 0
  }
  if (parsed.positionals.length !== 2) throw new EvalUsageError(`compare takes two run folders, got ${parsed.positionals.length}\n${COMPARE_USAGE}`)
  const [a, b] = await Promise.all(parsed.positionals.map((dir) => readRunFolder(dir)))
  const c = compareRuns(a as NonNullable<typeof a>, b as NonNullable<typeof b>)
  if (parsed.values.json === true) ctx.out(JSON.stringify(c, null, 2))
  else for (const line of comparisonLines(c)) ctx.out(line)
  return 0
}
