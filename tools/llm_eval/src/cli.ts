import { COMPARE_USAGE, compareCommand } from './compare-command'
import { evalRunCommand, type CommandContext } from './eval-command'
import { EXPORT_USAGE, exportCommand } from './export-command'
import { RUN_USAGE } from './eval-args'
import { EvalUsageError } from './errors'

const USAGE = `usage:\n${RUN_USAGE}\n\n${COMPARE_USAGE}\n\n${EXPORT_USAGE}`

/**
 * `pnpm eval <command>` (the CLI entry: the only file of this tool that reads process.env).
 * Exit codes: 0 ok, 1 a gate failed, 2 usage error, 3 the run could not be made (endpoint
 * unreachable, every call unreachable, dataset or database error), 130 interrupted.
 */
async function main(argv: string[]): Promise<number> {
  const abort = new AbortController()
  process.once('SIGINT', () => {
    process.stderr.write('\nSIGINT: stopping after the calls in flight (again to quit at once)\n')
    abort.abort()
    process.once('SIGINT', () => process.exit(130))
  })
  const ctx: CommandContext = {
    env: process.env,
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progressStream: process.stderr,
    signal: abort.signal,
  }
  const [cmd, ...rest] = argv
  // `pnpm eval --dataset ...` is `pnpm eval run --dataset ...`.
  if (cmd === undefined || cmd.startsWith('--')) return cmd === '--help' ? (ctx.out(USAGE), 0) : evalRunCommand(argv, ctx)
  switch (cmd) {
    case 'run':
      return evalRunCommand(rest, ctx)
    case 'compare':
      return compareCommand(rest, ctx)
    case 'export-dataset':
      return exportCommand(rest, ctx)
    case 'help':
      ctx.out(USAGE)
      return 0
    default:
      throw new EvalUsageError(`unknown command "${cmd}"\n${USAGE}`)
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    const e = err as { code?: unknown; message?: unknown }
    const typed = typeof e?.code === 'string' && /^(EVAL|CONFIG|LLM|PROMPT)_ERR/.test(e.code)
    process.stderr.write(`${typed ? `${String(e.message)}` : ((err as Error)?.stack ?? String(err))}\n`)
    process.exitCode = e?.code === 'EVAL_ERR_USAGE' ? 2 : 3
  },
)
