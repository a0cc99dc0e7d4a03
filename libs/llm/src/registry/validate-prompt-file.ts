import { PromptConfigError, type PromptPlace } from './errors'
import { PROMPT_CONTRACTS, REQUIRED_PROMPTS } from './prompt-contracts'
import type { PromptFile, PromptVersionDef } from './prompt-file-schema'
import { scanTemplate } from './template'

type PlaceOf = (path: ReadonlyArray<string | number>) => PromptPlace

const fail = (place: PromptPlace, reason: string): never => {
  throw new PromptConfigError(place, reason)
}

function validateVersion(name: string, v: PromptVersionDef, at: (...rest: Array<string | number>) => PromptPlace): void {
  const contract = PROMPT_CONTRACTS[name]
  const system = scanTemplate(v.system)
  if (system.problems[0] !== undefined) fail(at('system'), system.problems[0])
  if (system.variables[0] !== undefined) {
    fail(at('system'), `uses {{${system.variables[0]}}}: the system prompt must be static (one cached prefix for every call); put data in the user template`)
  }
  const user = scanTemplate(v.user ?? '')
  if (user.problems[0] !== undefined) fail(at('user'), user.problems[0])
  v.variables.forEach((d, i) => {
    if (v.variables.indexOf(d) !== i) fail(at('variables', i), `"${d}" is declared twice`)
  })
  for (const used of user.variables) {
    if (!v.variables.includes(used)) fail(at('user'), `uses {{${used}}}, which is not declared in variables (declared: ${v.variables.join(', ') || 'none'})`)
  }
  v.variables.forEach((d, i) => {
    if (!user.variables.includes(d)) fail(at('variables', i), `declares "${d}" but the user template never uses it`)
  })
  if (contract === undefined) return
  v.variables.forEach((d, i) => {
    if (!contract.variables.includes(d)) {
      fail(at('variables', i), `"${d}" is not passed by the callers of "${name}" (they pass: ${contract.variables.join(', ') || 'nothing'})`)
    }
  })
  if (contract.userTemplate === 'forbidden' && v.user !== undefined) {
    fail(at('user'), `"${name}" has no user template: the caller's own messages follow the system prompt`)
  }
  if (contract.userTemplate === 'required' && v.user === undefined) fail(at('user'), 'is missing: this prompt needs a user template')
  if (contract.mustContain !== undefined && !(v.user ?? '').includes(contract.mustContain)) {
    fail(at('user'), `must contain the exact phrase "${contract.mustContain}"`)
  }
  if (contract.temperatureZero && v.sampling.temperature !== 0) {
    fail(at('sampling', 'temperature'), `must be 0 for "${name}" (its answer must be deterministic and replayable)`)
  }
  if (contract.answer !== null && v.json_schema === undefined) fail(at('json_schema'), 'is missing: this prompt answers in JSON')
  if (contract.answer === null && v.json_schema !== undefined) fail(at('json_schema'), `"${name}" answers in free text; remove json_schema`)
}

/** The rules zod cannot express: required prompts, unique versions, active, templates, contracts. */
export function validatePromptFile(data: PromptFile, placeOf: PlaceOf): void {
  for (const name of REQUIRED_PROMPTS) {
    if (!Object.hasOwn(data.prompts, name)) {
      fail({ ...placeOf(['prompts']), prompt: name, field: undefined }, `is missing (required prompts: ${REQUIRED_PROMPTS.join(', ')})`)
    }
  }
  for (const [name, def] of Object.entries(data.prompts)) {
    const seen = new Set<string>()
    def.versions.forEach((v, i) => {
      if (seen.has(v.version)) fail(placeOf(['prompts', name, 'versions', i, 'version']), 'is listed twice')
      seen.add(v.version)
      validateVersion(name, v, (...rest) => placeOf(['prompts', name, 'versions', i, ...rest]))
    })
    if (!seen.has(def.active)) {
      fail(placeOf(['prompts', name, 'active']), `"${def.active}" is not one of its versions (${[...seen].join(', ')})`)
    }
  }
}
