#!/usr/bin/env tsx
/** `pnpm sim` / `make sim`: starts lexi-sim in the foreground. The only file that reads process.env. */
import { pino } from 'pino'
import { CLI_USAGE, parseCliArgs } from './cli-args'
import { startLexiSim } from './lexi-sim'

const cli = parseCliArgs(process.argv.slice(2), process.env)
if (cli.help) {
  process.stdout.write(`${CLI_USAGE}\n`)
  process.exit(0)
}
const logger = pino({ level: cli.logLevel, base: { service: 'lexi-sim', simulator: true } })
// The control port keeps the process alive (and reachable) while the `down` fault closes the main port.
const sim = await startLexiSim({ ...cli.options, controlPort: cli.controlPort, controlPortFallback: cli.controlPortFallback, logger })
process.stdout.write(`lexi-sim (simulated Lexi) listening on ${sim.url}/v1\n`)
process.stdout.write(`lexi-sim control routes (/sim/*) also on ${sim.controlUrl ?? ''}: open while the down fault closes ${sim.url}\n`)
let closing = false
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    if (closing) return
    closing = true
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'close failed')
        process.exit(1)
      },
    )
  })
}
