import { createHash } from 'node:crypto'
import { AbSpecError } from './errors'

/**
 * Sticky A/B rollout (LLM_AB_BUCKETS). Grammar, whitespace allowed around every token:
 *   spec    = segment *(";" segment)          e.g. rationale:1.0.0=90,1.1.0=10;policy:1.0.0
 *   segment = prompt ":" arm *("," arm)
 *   arm     = version ["=" weight]            weight: percent, > 0, at most 2 decimals
 * Either every arm of a prompt has a weight (summing to 100) or none has (equal split).
 * A unit of work lands in bucket = sha256(prompt "\n" salt "\n" unitKey)[first 6 bytes, big-endian]
 * mod 10000; arms own consecutive bucket ranges in the order written.
 */
export const AB_BUCKETS = 10_000

export interface AbArm {
  version: string
  /** Share in percent (buckets / 100). */
  weight: number
  /** Bucket range [from, to). */
  from: number
  to: number
}

export type AbSplits = ReadonlyMap<string, readonly AbArm[]>

/** What the parser needs to know about the registry. */
export interface AbRegistryView {
  names: () => string[]
  versions: (name: string) => Array<{ version: string }>
}

const WEIGHT = /^\d{1,3}(\.\d{1,2})?$/

function parseSegment(spec: string, segment: string, registry: AbRegistryView): [string, AbArm[]] {
  const colon = segment.indexOf(':')
  if (colon < 0) throw new AbSpecError(spec, `segment "${segment}" is not <prompt>:<version>[=<weight>],...`)
  const prompt = segment.slice(0, colon).trim()
  if (!registry.names().includes(prompt)) {
    throw new AbSpecError(spec, `unknown prompt "${prompt}" (known: ${registry.names().join(', ')})`)
  }
  const known = registry.versions(prompt).map((v) => v.version)
  const parts = segment
    .slice(colon + 1)
    .split(',')
    .map((p) => p.trim())
  const arms: Array<{ version: string; buckets: number | null }> = []
  for (const part of parts) {
    const [version = '', weightText, extra] = part.split('=').map((s) => s.trim())
    if (version === '' || extra !== undefined) throw new AbSpecError(spec, `prompt "${prompt}": arm "${part}" is not <version>[=<weight>]`)
    if (!known.includes(version)) throw new AbSpecError(spec, `prompt "${prompt}" has no version "${version}" (versions: ${known.join(', ')})`)
    if (arms.some((a) => a.version === version)) throw new AbSpecError(spec, `prompt "${prompt}": version "${version}" is listed twice`)
    let buckets: number | null = null
    if (weightText !== undefined) {
      const w = Number(weightText)
      if (!WEIGHT.test(weightText) || w <= 0 || w > 100) {
        throw new AbSpecError(
          spec,
          `prompt "${prompt}" version "${version}": weight "${weightText}" is not a percentage above 0 and at most 100 (2 decimals at most)`,
        )
      }
      buckets = Math.round(w * 100)
    }
    arms.push({ version, buckets })
  }
  const weighted = arms.filter((a) => a.buckets !== null).length
  if (weighted !== 0 && weighted !== arms.length) {
    throw new AbSpecError(spec, `prompt "${prompt}": give a weight to every version or to none (equal split)`)
  }
  if (weighted === 0) {
    const base = Math.floor(AB_BUCKETS / arms.length)
    arms.forEach((a, i) => {
      a.buckets = base + (i < AB_BUCKETS % arms.length ? 1 : 0)
    })
  }
  const total = arms.reduce((s, a) => s + (a.buckets ?? 0), 0)
  if (total !== AB_BUCKETS) throw new AbSpecError(spec, `prompt "${prompt}": weights sum to ${total / 100}, not 100`)
  let from = 0
  return [
    prompt,
    arms.map((a) => {
      const arm = { version: a.version, weight: (a.buckets ?? 0) / 100, from, to: from + (a.buckets ?? 0) }
      from = arm.to
      return arm
    }),
  ]
}

/** Parses LLM_AB_BUCKETS against a registry. Empty or undefined: no prompt is split. */
export function parseAbBuckets(spec: string | undefined, registry: AbRegistryView): AbSplits {
  const splits = new Map<string, AbArm[]>()
  const text = (spec ?? '').trim()
  if (text === '') return splits
  for (const segment of text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const [prompt, arms] = parseSegment(text, segment, registry)
    if (splits.has(prompt)) throw new AbSpecError(text, `prompt "${prompt}" is listed twice`)
    splits.set(prompt, arms)
  }
  return splits
}

/** The sticky bucket (0..9999) of a unit of work for one prompt. */
export function abBucket(prompt: string, salt: string, unitKey: string): number {
  const digest = createHash('sha256').update(`${prompt}\n${salt}\n${unitKey}`, 'utf8').digest()
  return digest.readUIntBE(0, 6) % AB_BUCKETS
}

export function armForBucket(arms: readonly AbArm[], bucket: number): AbArm {
  const arm = arms.find((a) => bucket >= a.from && bucket < a.to) ?? arms[arms.length - 1]
  if (arm === undefined) throw new RangeError('a split needs at least one arm')
  return arm
}

/** The default unit of work: one forecast, `symbol|asof` (asof exactly as stored in the inputs). */
export const abUnitKey = (inputs: { symbol: string; asof: string }): string => `${inputs.symbol}|${inputs.asof}`
