import type { ReadinessCheck } from './ops-routes'

/** Postgres answers `SELECT 1`. */
export function dbReadiness(db: { query: (sql: string) => Promise<unknown> }, timeoutMs = 2000): ReadinessCheck {
  return {
    name: 'db',
    timeoutMs,
    check: async () => {
      await db.query('SELECT 1')
    },
  }
}

/**
 * The LLM server lists its models (reachability only: a wedged engine still lists them).
 * Optional by default: a service that degrades without the LLM stays ready.
 */
export function llmReadiness(
  llm: { models: (opts?: { timeoutMs?: number; signal?: AbortSignal }) => Promise<unknown>; stats?: () => LlmUpstreamStats },
  opts: { optional?: boolean; timeoutMs?: number } = {},
): ReadinessCheck {
  const timeoutMs = opts.timeoutMs ?? 2000
  return {
    name: 'llm',
    optional: opts.optional ?? true,
    timeoutMs,
    check: async (signal) => {
      await llm.models({ timeoutMs, signal })
      // Said here too, not only in the log: a Lexi that refused priorities gets none from this process.
      const refused = (llm.stats?.().upstreams ?? []).filter((u) => u.priority === 'refused').map((u) => u.label)
      return refused.length === 0 ? {} : { detail: `priority scheduling is not enabled on ${refused.join(', ')}: requests are sent without priority` }
    },
  }
}

/** The part of the LLM client's stats() that readiness reads (libs never import each other's internals). */
interface LlmUpstreamStats {
  upstreams: Array<{ label: string; priority?: string }>
}
