import type { z } from 'zod'
import type { Db } from '@pulsetrade/db'
import { ApiError, NotFoundError } from '@pulsetrade/http'
import { LlmInputsSchema, PolicyDecisionSchema, RationaleSchema, type LlmClient, type PromptRegistry } from '@pulsetrade/llm'

export const REPLAYABLE = ['rationale', 'policy'] as const
export type ReplayablePrompt = (typeof REPLAYABLE)[number]
const SCHEMAS: Record<ReplayablePrompt, z.ZodType> = { rationale: RationaleSchema, policy: PolicyDecisionSchema }

export interface ReplayRequest {
  id: number
  force: boolean
  prompt?: ReplayablePrompt | undefined
  version?: string | undefined
}

export interface ReplayResult {
  prompt: string
  version: string
  hash: string
  arm: string | null
  bucket: number | null
  recorded: { version: string; hash: string } | null
  /** The hash used differs from the one recorded on the row (null when nothing was recorded). */
  drift: boolean | null
  cached: boolean
  ok: boolean
  valid_json: boolean
  parsed: unknown
  raw: string
  finish_reason: string | null
  latency_ms: number
  error: { code: string; message: string } | null
}

export class NotReplayableError extends ApiError {
  override code = 'API_ERR_NOT_REPLAYABLE'
  constructor(message: string) {
    super(409, message)
  }
}

export class UnknownPromptVersionError extends ApiError {
  override code = 'API_ERR_UNKNOWN_VERSION'
  constructor(message: string) {
    super(400, message)
  }
}

const recordedRef = (r: unknown): { version: string; hash: string } | null => {
  const o = r as { version?: unknown; hash?: unknown } | null | undefined
  return typeof o?.version === 'string' && typeof o.hash === 'string' ? { version: o.version, hash: o.hash } : null
}

/**
 * Rebuilds the requests of a stored forecast from features.llm.inputs and sends them again through
 * the client: the recorded version unless one is given, the same A/B unit key, the response cache
 * unless `force` (which reaches Lexi and overwrites the cached entry).
 */
export async function replayForecast(
  deps: { db: Db; llm: Pick<LlmClient, 'structured'>; prompts: PromptRegistry },
  req: ReplayRequest,
): Promise<ReplayResult[]> {
  const row = (await deps.db.query<{ llm: Record<string, unknown> | null }>("SELECT features->'llm' AS llm FROM forecasts WHERE id = $1", [req.id])).rows[0]
  if (row === undefined) throw new NotFoundError(`forecast ${req.id} not found`)
  const inputs = LlmInputsSchema.safeParse(row.llm?.inputs)
  if (!inputs.success) {
    const i = inputs.error.issues[0]
    throw new NotReplayableError(`forecast ${req.id} has no replayable features.llm.inputs (${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'})`)
  }
  const names = req.prompt === undefined ? REPLAYABLE : [req.prompt]
  const out: ReplayResult[] = []
  for (const name of names) {
    const recorded = recordedRef(row.llm?.[name])
    const version = req.version ?? recorded?.version ?? deps.prompts.active(name).version
    const known = deps.prompts.versions(name).map((v) => v.version)
    if (!known.includes(version)) throw new UnknownPromptVersionError(`prompt "${name}" has no version "${version}"; known: ${known.join(', ')}`)
    const rendered = deps.prompts.render(name, inputs.data, { version, unitKey: `${inputs.data.symbol}|${inputs.data.asof}` })
    const r = await deps.llm.structured(rendered, SCHEMAS[name], { force: req.force })
    out.push({
      prompt: name,
      version: rendered.version,
      hash: rendered.hash,
      arm: rendered.arm,
      bucket: rendered.bucket,
      recorded,
      drift: recorded === null ? null : recorded.hash !== rendered.hash,
      cached: r.cached,
      ok: r.ok,
      valid_json: r.valid_json,
      parsed: r.parsed,
      raw: r.raw,
      finish_reason: r.finish_reason,
      latency_ms: r.latency_ms,
      error: r.error,
    })
  }
  return out
}
