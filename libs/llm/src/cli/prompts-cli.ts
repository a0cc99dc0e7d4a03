import { parseArgs } from 'node:util'
import { PromptRegistryError } from '../registry/errors'
import { checkCommand, listCommand, lockCommand, renderCommand, showCommand, type CommandContext, type CommandResult } from '../registry/prompts-commands'

/**
 * `pnpm prompts <command>`: the prompt registry's CLI. The only place of the registry that reads
 * the environment: LLM_PROMPTS_PATH (default configs/llm_prompts.yaml) and LLM_AB_BUCKETS.
 */
const USAGE = `usage: pnpm prompts <command> [options]

commands:
  list                              versions, hashes, active marker, lock state, A/B arms
  show <name>[@version]             one version in full (default: the active one)
  render <name>[@version]           the messages and sampling sent to Lexi, as JSON
         [--vars file.json]         variables (default: the samples file's entry for <name>)
         [--unit-key key]           A/B unit key (default: symbol|asof from the variables)
  lock                              publish new versions in the lock; never rewrites a hash
  check                             CI gate: schema, lock, contract, samples render and fit

options:
  --file <yaml>       prompt file (default: $LLM_PROMPTS_PATH or configs/llm_prompts.yaml)
  --lock <json>       lock file (default: <file> with .lock.json)
  --samples <json>    sample inputs (default: <file> with .samples.json)
  --ab <spec>         A/B spec (default: $LLM_AB_BUCKETS)`

/** An empty variable counts as unset. */
const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v)

function run(argv: string[], env: NodeJS.ProcessEnv): CommandResult {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      lock: { type: 'string' },
      samples: { type: 'string' },
      ab: { type: 'string' },
      vars: { type: 'string' },
      'unit-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, ref] = positionals
  if (values.help === true || command === undefined) return { code: command === undefined && values.help !== true ? 2 : 0, out: [USAGE], err: [] }
  const yamlPath = values.file ?? nonEmpty(env.LLM_PROMPTS_PATH) ?? 'configs/llm_prompts.yaml'
  const ctx: CommandContext = {
    yamlPath,
    lockPath: values.lock,
    samplesPath: values.samples ?? yamlPath.replace(/\.ya?ml$/i, '') + '.samples.json',
    abBuckets: values.ab ?? nonEmpty(env.LLM_AB_BUCKETS),
  }
  const needRef = (): string => {
    if (ref === undefined) throw new UsageError(`${command} needs <name>[@version]`)
    return ref
  }
  switch (command) {
    case 'list':
      return listCommand(ctx)
    case 'show':
      return showCommand(ctx, needRef())
    case 'render':
      return renderCommand(ctx, needRef(), { varsPath: values.vars, unitKey: values['unit-key'] })
    case 'lock':
      return lockCommand(ctx)
    case 'check':
      return checkCommand(ctx)
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

class UsageError extends Error {}

function main(): number {
  let result: CommandResult
  try {
    result = run(process.argv.slice(2), process.env)
  } catch (err) {
    if (err instanceof PromptRegistryError) {
      process.stderr.write(`${err.message}\n`)
      return 1
    }
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`)
      return 2
    }
    throw err
  }
  if (result.out.length > 0) process.stdout.write(result.out.join('\n') + '\n')
  if (result.err.length > 0) process.stderr.write(result.err.join('\n') + '\n')
  return result.code
}

process.exitCode = main()
