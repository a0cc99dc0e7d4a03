/**
 * Where vLLM's HTTP behaviour changed between releases (see shared/vllm-contract.md). Any
 * `x.y.z` string is accepted; each behaviour is decided by comparing against the release that
 * changed it, so '0.10.1' gets the nested envelope and '0.11.0' gets `structured_outputs`.
 */
export interface VersionBehaviour {
  version: string
  /** ≤0.10.0 `{object:"error",...}`; ≥0.10.1 `{error:{...}}`. */
  envelope: 'flat' | 'nested'
  /** ≤0.9 "you requested N tokens ..."; ≥0.10 "your request has N input tokens ...". */
  contextWording: 'legacy' | 'current'
  /** 0.10.x formats preprocessing errors as f"{e} {e.__cause__}", i.e. a trailing " None". */
  noneSuffix: boolean
  /** guided_json / guided_choice / ... honoured (<0.12); silently ignored from 0.12 (PR #29326). */
  guidedHonoured: boolean
  /** `structured_outputs` request field honoured (≥0.11, PR #22772); unknown (ignored) before. */
  structuredOutputsHonoured: boolean
  /** Unknown request fields: rejected with 400 (≤0.6.4, extra="forbid") or ignored with a warning. */
  unknownFields: 'reject' | 'ignore'
  /** Non-JSON Content-Type on POST: 415 `{"detail":...}` (<0.10) or a 400 error envelope (≥0.10). */
  mediaTypeStatus: 415 | 400
  /** A second in-flight request with the same id is refused (before PR #27987, i.e. <0.12). */
  rejectsDuplicateIds: boolean
  /** Status of /health and completions once the engine is dead: 500 through 0.10.x, 503 later. */
  engineDeadStatus: 500 | 503
  /** `vllm:time_per_output_token_seconds` still exported (deprecated in 0.11). */
  exportsTimePerOutputToken: boolean
}

export const SUPPORTED_VERSIONS = ['0.6.4', '0.9.2', '0.10.0', '0.10.2', '0.12.0'] as const
export const DEFAULT_VLLM_VERSION = '0.10.2'

export class UnknownVersionError extends Error {
  readonly code = 'SIM_ERR_VERSION'
  constructor(version: string) {
    super(`--vllm-version must look like 0.10.2, got "${version}"`)
    this.name = 'UnknownVersionError'
  }
}

function parseVersion(version: string): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim())
  if (!m) throw new UnknownVersionError(version)
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]
}

/** -1, 0 or 1 as `a` is before, equal to or after `b`. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a)
  const y = parseVersion(b)
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return 0
}

export function behaviourFor(version: string): VersionBehaviour {
  const atLeast = (v: string): boolean => compareVersions(version, v) >= 0
  const is010 = atLeast('0.10.0') && !atLeast('0.11.0')
  return {
    version: version.replace(/^v/, ''),
    envelope: atLeast('0.10.1') ? 'nested' : 'flat',
    contextWording: atLeast('0.10.0') ? 'current' : 'legacy',
    noneSuffix: is010,
    guidedHonoured: !atLeast('0.12.0'),
    structuredOutputsHonoured: atLeast('0.11.0'),
    unknownFields: atLeast('0.6.5') ? 'ignore' : 'reject',
    mediaTypeStatus: atLeast('0.10.0') ? 400 : 415,
    rejectsDuplicateIds: !atLeast('0.12.0'),
    engineDeadStatus: atLeast('0.11.0') ? 503 : 500,
    exportsTimePerOutputToken: !atLeast('0.11.0'),
  }
}
