/** What every output of a run against the simulator says, word for word. */
export const SIMULATED_LABEL = 'SIMULATED — not a model evaluation'

export interface SimulatorCheck {
  simulated: boolean
  /** How it was recognised, per simulated endpoint (`http://…/v1: GET /version says simulator "lexi-sim"`). */
  evidence: string[]
}

const SIM_NAME = /lexi-sim|simulat/i

/** Response headers that name a simulator: a header whose name holds "simulator" or "lexi-sim", or a Server header naming one. */
function headerEvidence(path: string, headers: Headers): string | null {
  for (const [name, value] of headers) {
    if (/simulator|lexi-sim/i.test(name)) return `${path} answers with header ${name}: ${value}`
    if (name === 'server' && SIM_NAME.test(value)) return `${path} answers with server: ${value}`
  }
  return null
}

async function get(url: string, apiKey: string | undefined, timeoutMs: number): Promise<Response | null> {
  try {
    return await fetch(url, { headers: { authorization: `Bearer ${apiKey ?? 'EMPTY'}` }, signal: AbortSignal.timeout(timeoutMs) })
  } catch {
    return null
  }
}

/**
 * One endpoint: lexi-sim says `{"simulator":"lexi-sim"}` in GET /version (beside the vLLM version),
 * a route real vLLM answers with `{"version": …}` only; a simulator header on /version or /v1/models
 * counts too. Anything else (no answer, other JSON) is taken as a real server.
 */
async function checkOne(baseUrl: string, apiKey: string | undefined, timeoutMs: number): Promise<string | null> {
  const root = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')
  const version = await get(`${root}/version`, apiKey, timeoutMs)
  if (version !== null) {
    const h = headerEvidence('GET /version', version.headers)
    const body = (await version.json().catch(() => null)) as { simulator?: unknown } | null
    if (version.ok && typeof body?.simulator === 'string' && body.simulator !== '') return `GET /version says simulator "${body.simulator}"`
    if (h !== null) return h
  }
  const models = await get(`${baseUrl.replace(/\/+$/, '')}/models`, apiKey, timeoutMs)
  if (models !== null) {
    await models.body?.cancel()
    return headerEvidence('GET /v1/models', models.headers)
  }
  return null
}

/** Whether any of the run's endpoints is a simulator, and how each was recognised. */
export async function checkSimulator(baseUrls: readonly string[], o: { apiKey?: string | undefined; timeoutMs: number }): Promise<SimulatorCheck> {
  const found = await Promise.all(
    baseUrls.map(async (u) => {
      const e = await checkOne(u, o.apiKey, o.timeoutMs)
      return e === null ? null : `${u}: ${e}`
    }),
  )
  const evidence = found.filter((e): e is string => e !== null)
  return { simulated: evidence.length > 0, evidence }
}
