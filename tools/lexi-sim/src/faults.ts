import { hash32 } from './prng'
import { createRateGate, type RateGate } from './rate-gate'

/** Faults the simulator can play; settable by options, CLI flags, POST /sim/faults or setFaults(). */
export interface SimFaults {
  /** Listening socket closed and every connection dropped; reopened on the same port when cleared (the control port, if any, stays open). */
  down: boolean
  /** Latency multiplier for prefill and decode (1 = normal). */
  slow: number
  /** /health stays 200, requests are accepted, no token ever comes. */
  wedged: boolean
  /** Empty-body 500 (503 from 0.11) on /health, /ping and completions. */
  engine_dead: boolean
  /** Completions answer 503. */
  overloaded: boolean
  /** Rates in [0, 1], applied to JSON (structured) answers. */
  invalid_json: number
  truncated_json: number
  whitespace_runaway: number
  /** Rate in [0, 1] of rationale answers that cite one number not in their forecast data. */
  wrong_number: number
  /** Rate in [0, 1] of seeded policy answers whose decision is flipped (allow ↔ deny) from the prompt's seedless one. */
  policy_flip: number
  /** Rates in [0, 1], applied to every generation request. */
  stream_error: number
  reset: number
  /** What the model answers to the health prompt instead of "OK" (null = "OK"). */
  health_reply: string | null
  /** When set, the JSON rate faults (invalid_json, truncated_json, whitespace_runaway) hit only requests whose system prompt contains this text (one prompt version). */
  json_fault_match: string | null
}

export type RateFault = 'invalid_json' | 'truncated_json' | 'whitespace_runaway' | 'wrong_number' | 'policy_flip' | 'stream_error' | 'reset'
export const RATE_FAULTS: readonly RateFault[] = [
  'invalid_json',
  'truncated_json',
  'whitespace_runaway',
  'wrong_number',
  'policy_flip',
  'stream_error',
  'reset',
]
const FLAGS = ['down', 'wedged', 'engine_dead', 'overloaded'] as const

export function defaultFaults(): SimFaults {
  return {
    down: false,
    slow: 1,
    wedged: false,
    engine_dead: false,
    overloaded: false,
    invalid_json: 0,
    truncated_json: 0,
    whitespace_runaway: 0,
    wrong_number: 0,
    policy_flip: 0,
    stream_error: 0,
    reset: 0,
    health_reply: null,
    json_fault_match: null,
  }
}

export class FaultsValidationError extends Error {
  readonly code = 'SIM_ERR_FAULTS'
  constructor(readonly problems: string[]) {
    super(`invalid faults: ${problems.join('; ')}`)
    this.name = 'FaultsValidationError'
  }
}

/** Checks a partial faults object (from JSON or code); throws FaultsValidationError naming each bad key. */
export function parseFaultsPatch(input: unknown): Partial<SimFaults> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new FaultsValidationError(['body must be a JSON object'])
  const out: Partial<SimFaults> = {}
  const problems: string[] = []
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if ((FLAGS as readonly string[]).includes(key)) {
      if (typeof value === 'boolean') (out as Record<string, unknown>)[key] = value
      else problems.push(`${key} must be a boolean`)
    } else if ((RATE_FAULTS as readonly string[]).includes(key)) {
      if (typeof value === 'number' && value >= 0 && value <= 1) (out as Record<string, unknown>)[key] = value
      else problems.push(`${key} must be a number in [0, 1]`)
    } else if (key === 'slow') {
      if (typeof value === 'number' && value >= 0 && Number.isFinite(value)) out.slow = value
      else problems.push('slow must be a non-negative number (latency multiplier)')
    } else if (key === 'health_reply' || key === 'json_fault_match') {
      if (value === null || typeof value === 'string') out[key] = value
      else problems.push(`${key} must be a string or null`)
    } else {
      problems.push(`unknown fault "${key}"`)
    }
  }
  if (problems.length > 0) throw new FaultsValidationError(problems)
  return out
}

/** One seeded rate gate per rate fault. */
export function createFaultGates(seed: number): Record<RateFault, RateGate> {
  const gates = {} as Record<RateFault, RateGate>
  for (const f of RATE_FAULTS) gates[f] = createRateGate(hash32(f, seed))
  return gates
}
