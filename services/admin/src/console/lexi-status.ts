import type { Db } from '@pulsetrade/db'
import { createHealthProbe, PRIORITY_CLASSES, type LlmClientInstance, type PromptRegistry } from '@pulsetrade/llm'

/** Window of the latency and error figures, from llm_calls. */
export const LATENCY_WINDOW_S = 300
/** How long one latency aggregate over llm_calls is shared by concurrent readers. */
const LATENCY_REUSE_MS = 1_000
/** Model and vLLM version change only with a Lexi restart: asked again after this long. */
const INFO_TTL_MS = 60_000
/** After a failed ask, the next one waits this long (the last known values are shown meanwhile). */
const INFO_RETRY_MS = 5_000
/**
 * The console asks every 2 s; a success is reused at most this long (LLM_HEALTH_TTL_MS if shorter),
 * so a Lexi that went down shows within one or two polls. One probe serves every open console
 * (single flight), in the client's own `health` slot.
 */
export const CONSOLE_HEALTH_TTL_MS = 2_000
/** Deadline of one GET /v1/models or /version. */
const INFO_TIMEOUT_MS = 1_000

export interface LexiStatus {
  state: 'ok' | 'saturated' | 'down'
  cause: string | null
  checked_at: string
  model: string | null
  vllm_version: string | null
  upstreams: Array<{ url: string; circuit: 'closed' | 'open' | 'half_open'; cause: string | null }>
  classes: Array<{ class: string; in_flight: number; queued: number }>
  latency: { window_s: number; calls: number; errors: number; p50_ms: number | null; p95_ms: number | null }
}

export interface LexiStatusOptions {
  llm: Pick<LlmClientInstance, 'health' | 'upstreamFailures' | 'stats' | 'models'>
  prompts: Pick<PromptRegistry, 'render'>
  db: Db
  /** LLM_BASE_URL: the upstreams' `…/v1` URLs; /version is asked at their root. */
  baseURLs: readonly string[]
  /** LLM_HEALTH_TTL_MS (capped at CONSOLE_HEALTH_TTL_MS) / LLM_HEALTH_FAIL_TTL_MS: how long a probe's answer is reused. */
  healthTtlMs: number
  healthFailTtlMs: number
  healthTimeoutMs?: number
  now?: () => number
}

/** The root URL of each upstream (`http://host:8000/v1` → `http://host:8000/`), where vLLM serves /version. */
const roots = (urls: readonly string[]): URL[] =>
  urls.map((s) => {
    const u = new URL(s)
    u.pathname = u.pathname.replace(/\/v1\/?$/, '/')
    u.username = ''
    u.password = ''
    return u
  })

async function vllmVersion(urls: URL[]): Promise<string | null> {
  for (const root of urls) {
    try {
      const res = await fetch(new URL('version', root.href.endsWith('/') ? root : `${root.href}/`), { signal: AbortSignal.timeout(INFO_TIMEOUT_MS) })
      if (!res.ok) continue
      const v = ((await res.json()) as { version?: unknown } | null)?.version
      if (typeof v === 'string' && v !== '') return v
    } catch {
      // The next replica may answer; none answering leaves the last known value.
    }
  }
  return null
}

/**
 * What the console's Lexi view shows. Facts every process writes come from Postgres (latency and
 * errors of all callers' llm_calls rows over the last LATENCY_WINDOW_S s); the rest is what this
 * admin process sees: its own health probe (the api's cached single-flight probe: ok / saturated /
 * down with the cause), its client's circuits per upstream and its own slots and queue per priority
 * class. Model and vLLM version come from GET /v1/models and /version, asked at most once a minute.
 */
export function createLexiStatus(o: LexiStatusOptions): { read: () => Promise<LexiStatus> } {
  const now = o.now ?? Date.now
  const probe = createHealthProbe({
    llm: o.llm,
    prompts: o.prompts,
    model: 'Lexi',
    ttlMs: Math.min(o.healthTtlMs, CONSOLE_HEALTH_TTL_MS),
    failTtlMs: o.healthFailTtlMs,
    timeoutMs: o.healthTimeoutMs ?? 2_000,
    now,
  })
  const upstreamRoots = roots(o.baseURLs)
  const info: { model: string | null; version: string | null; nextAt: number } = { model: null, version: null, nextAt: 0 }
  let asking: Promise<void> | null = null

  const askInfo = (): Promise<void> => {
    asking ??= (async () => {
      const [models, version] = await Promise.all([o.llm.models({ timeoutMs: INFO_TIMEOUT_MS }).catch(() => null), vllmVersion(upstreamRoots)])
      if (models?.[0] !== undefined) info.model = models[0].id
      if (version !== null) info.version = version
      info.nextAt = now() + (models !== null && version !== null ? INFO_TTL_MS : INFO_RETRY_MS)
    })().finally(() => {
      asking = null
    })
    return asking
  }

  const latency = async (): Promise<LexiStatus['latency']> => {
    // Health probes are excluded: their latency is a one-token answer, not what callers wait for.
    const { rows } = await o.db.query<{ calls: number; errors: number; p50: number | null; p95: number | null }>(
      `SELECT count(*)::int AS calls, count(*) FILTER (WHERE NOT ok)::int AS errors,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
         FROM llm_calls WHERE created_at > now() - $1 * interval '1 second' AND prompt <> 'health'`,
      [LATENCY_WINDOW_S],
    )
    const r = rows[0]!
    const ms = (v: number | null): number | null => (v === null ? null : Math.round(v))
    return { window_s: LATENCY_WINDOW_S, calls: r.calls, errors: r.errors, p50_ms: ms(r.p50), p95_ms: ms(r.p95) }
  }

  // Every open console polls every 2 s: one aggregate per second serves them all.
  let lastLatency: { at: number; value: Promise<LexiStatus['latency']> } | null = null
  const sharedLatency = (): Promise<LexiStatus['latency']> => {
    if (lastLatency === null || now() - lastLatency.at >= LATENCY_REUSE_MS) {
      const value = latency()
      lastLatency = { at: now(), value }
      // A failed query is not reused.
      value.catch(() => {
        if (lastLatency?.value === value) lastLatency = null
      })
    }
    return lastLatency.value
  }

  return {
    async read() {
      // The first read waits for model and version; later ones refresh them in the background.
      let pending: Promise<void> | null = null
      if (info.nextAt === 0) pending = askInfo()
      else if (now() >= info.nextAt) void askInfo()
      const [{ snapshot }, lat] = await Promise.all([probe.check(), sharedLatency(), pending])
      const stats = o.llm.stats()
      return {
        state: snapshot.state,
        cause: snapshot.error,
        checked_at: new Date(snapshot.checked_at).toISOString(),
        model: info.model,
        vllm_version: info.version,
        upstreams: stats.upstreams.map((u) => ({ url: u.label, circuit: u.circuit, cause: u.openedBy })),
        classes: PRIORITY_CLASSES.map((c) => ({ class: c, in_flight: stats.classes[c].inFlight, queued: stats.classes[c].waiting })),
        latency: lat,
      }
    },
  }
}
