import path from 'node:path'
import { loadDotEnv } from '@pulsetrade/config'
import { BACKTEST_USAGE, backtestCommand } from './commands/backtest-command'
import type { CliContext } from './commands/cli-context'
import { FEED_USAGE, feedCommand } from './commands/feed-command'
import { IMPORT_USAGE, importCommand } from './commands/import-command'
import { REENRICH_USAGE, reenrichCommand } from './commands/reenrich-command'
import { resolveCommand } from './commands/resolve-command'
import { RUN_USAGE, runCommand } from './commands/run-command'
import { UsageError } from './errors'
import { REPO_ROOT } from './repo-paths'

const USAGE = ['usage:', `  ${IMPORT_USAGE}`, `  ${RUN_USAGE}`, `  ${BACKTEST_USAGE}`, `  ${FEED_USAGE}`, '  forecast resolve', `  ${REENRICH_USAGE}`].join(
  '\n',
)

/** `pnpm forecast <command>`: the CLI entry (the only place besides server.ts reading process.env). */
async function main(argv: string[]): Promise<number> {
  // The repository's .env fills in what the environment leaves unset (the environment wins).
  const env = { ...process.env }
  loadDotEnv(path.join(REPO_ROOT, '.env'), env)
  const ctx: CliContext = {
    env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTTY: process.stdout.isTTY === true,
  }
  const stops: Array<() => void> = []
  const signals = {
    onStop: (fn: () => void) => {
      stops.push(fn)
    },
  }
  let stopping = false
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(130)
      stopping = true
      ctx.err(`${sig}: finishing the bars in flight (again to quit at once)`)
      for (const fn of stops) fn()
    })
  }
  const [cmd, ...args] = argv
  switch (cmd) {
    case 'import':
      return importCommand(args, ctx)
    case 'run':
      return runCommand(args, ctx, signals)
    case 'backtest':
      return backtestCommand(args, ctx)
    case 'feed':
      return feedCommand(args, ctx, signals)
    case 'resolve':
      return resolveCommand(args, ctx)
    case 're-enrich':
      return reenrichCommand(args, ctx)
    default:
      throw new UsageError(cmd === undefined || cmd === 'help' || cmd === '--help' ? USAGE : `unknown command "${cmd}"\n${USAGE}`)
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as { code?: string; message?: string }
    process.stderr.write(`${e.code === 'FORECAST_ERR_USAGE' || e.code === 'CONFIG_ERR_INVALID' ? e.message : ((err as Error)?.stack ?? String(err))}\n`)
    process.exit(e.code === 'FORECAST_ERR_USAGE' ? 2 : 1)
  },
)
