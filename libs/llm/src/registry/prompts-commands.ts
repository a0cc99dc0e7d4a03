import { readFileSync } from 'node:fs'
import { checkPrompts, type PromptSamples } from './check-prompts'
import { shortHash } from './content-hash'
import { PromptConfigError } from './errors'
import { loadPromptRegistry, type LoadedPromptRegistry } from './load-prompt-registry'
import { changedMessage, planLockUpdate, readPromptLock, writePromptLock } from './prompt-lock'
import { estimatePromptTokens } from '../client/prompt-budget'

/** The commands behind `pnpm prompts`. Pure of process state: the CLI entry passes env and paths. */
export interface CommandContext {
  yamlPath: string
  lockPath?: string | undefined
  samplesPath: string
  abBuckets?: string | undefined
}
export interface CommandResult {
  code: number
  out: string[]
  err: string[]
}

const load = (ctx: CommandContext, verifyLock = true): LoadedPromptRegistry =>
  loadPromptRegistry(ctx.yamlPath, { abBuckets: ctx.abBuckets, lockPath: ctx.lockPath, verifyLock })

export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new PromptConfigError({ file: path }, `cannot read JSON: ${(err as Error).message}`, { cause: err })
  }
}

const readSamples = (path: string): PromptSamples => {
  const json = readJsonFile(path)
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new PromptConfigError({ file: path }, 'expected an object of prompt name to variables')
  return json as PromptSamples
}

/** `name` or `name@version`. */
export const parseRef = (ref: string): { name: string; version?: string } => {
  const at = ref.indexOf('@')
  return at < 0 ? { name: ref } : { name: ref.slice(0, at), version: ref.slice(at + 1) }
}

const table = (rows: string[][]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  )
}

export function listCommand(ctx: CommandContext): CommandResult {
  const reg = load(ctx)
  const states = new Map(reg.lockStatus().entries.map((e) => [`${e.prompt}@${e.version}`, e.state]))
  const rows = [['PROMPT', 'VERSION', 'HASH', 'ACTIVE', 'LOCK', 'A/B ARM']]
  for (const name of reg.names()) {
    const arms = reg.arms(name)
    for (const v of reg.versions(name)) {
      const arm = arms?.find((a) => a.version === v.version)
      rows.push([
        name,
        v.version,
        shortHash(v.hash),
        v.active ? 'active' : '',
        states.get(`${name}@${v.version}`) ?? '',
        arm === undefined ? '' : `${arm.weight}%`,
      ])
    }
  }
  const spec = (ctx.abBuckets ?? '').trim()
  return { code: 0, out: [...table(rows), '', `LLM_AB_BUCKETS: ${spec === '' ? '(not set: every prompt uses its active version)' : spec}`], err: [] }
}

export function showCommand(ctx: CommandContext, ref: string): CommandResult {
  const reg = load(ctx)
  const { name, version } = parseRef(ref)
  const v = version === undefined ? reg.active(name) : reg.get(name, version)
  const state = reg.lockStatus().entries.find((e) => e.prompt === name && e.version === v.version)?.state
  const arm = reg.arms(name)?.find((a) => a.version === v.version)
  const out = [
    `${name}@${v.version}`,
    `hash:        ${v.hash}`,
    `description: ${v.description}`,
    `status:      ${[v.active ? 'active' : 'inactive', state === 'locked' ? 'published' : 'not locked yet', arm === undefined ? null : `A/B arm ${arm.weight}%`].filter(Boolean).join(', ')}`,
    `variables:   ${v.variables.join(', ') || '(none)'}`,
    `sampling:    ${JSON.stringify(v.sampling)}`,
    '',
    '--- system ---',
    v.system.trimEnd(),
  ]
  if (v.user !== null) out.push('', '--- user ---', v.user.trimEnd())
  if (v.jsonSchema !== null) out.push('', '--- json_schema ---', JSON.stringify(v.jsonSchema, null, 2))
  return { code: 0, out, err: [] }
}

export function renderCommand(ctx: CommandContext, ref: string, opts: { varsPath?: string | undefined; unitKey?: string | undefined }): CommandResult {
  const reg = load(ctx)
  const { name, version } = parseRef(ref)
  const vars = opts.varsPath !== undefined ? readJsonFile(opts.varsPath) : readSamples(ctx.samplesPath)[name]
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) {
    return { code: 2, out: [], err: [`no variables for "${name}": pass --vars file.json (an object) or add "${name}" to ${ctx.samplesPath}`] }
  }
  const rendered = reg.render(name, vars as Record<string, unknown>, { version, unitKey: opts.unitKey })
  const estimate = estimatePromptTokens(rendered.messages)
  return { code: 0, out: [JSON.stringify({ ...rendered, estimated_prompt_tokens: estimate }, null, 2)], err: [] }
}

export function lockCommand(ctx: CommandContext): CommandResult {
  const reg = load(ctx, false)
  const plan = planLockUpdate(reg.lockStatus(), readPromptLock(reg.lockPath))
  if (plan.refused.length > 0) {
    return {
      code: 1,
      out: [],
      err: [
        ...plan.refused.map((e) => `prompt "${e.prompt}" version "${e.version}": ${changedMessage(e)}`),
        `lock refused: it never rewrites a published hash; ${reg.lockPath} is unchanged`,
      ],
    }
  }
  if (plan.added.length === 0) return { code: 0, out: [`${reg.lockPath} is up to date (${reg.lockStatus().entries.length} versions published)`], err: [] }
  writePromptLock(reg.lockPath, plan.lock)
  return { code: 0, out: [...plan.added.map((e) => `locked ${e.prompt}@${e.version} ${e.hash}`), `wrote ${reg.lockPath}`], err: [] }
}

export function checkCommand(ctx: CommandContext): CommandResult {
  const reg = load(ctx)
  const report = checkPrompts(reg, readSamples(ctx.samplesPath))
  const fits = table([
    ['PROMPT', 'VERSION', 'PROMPT~TOK', 'MAX_TOKENS', 'TOTAL'],
    ...report.fits.map((f) => [f.prompt, f.version, String(f.promptTokens), String(f.maxTokens), String(f.total)]),
  ])
  if (!report.ok) return { code: 1, out: fits, err: [...report.problems, `prompts check failed: ${report.problems.length} problem(s)`] }
  return { code: 0, out: [...fits, `prompts check passed: ${report.fits.length} versions, all locked, all render and fit the context`], err: [] }
}
