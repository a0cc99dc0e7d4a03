import { EvalUnreachableError } from './errors'

/** The served model as GET /v1/models reports it. */
export interface ModelCard {
  id: string
  root: string | null
  owned_by: string | null
  max_model_len: number | null
}

const causeOf = (err: unknown): string => {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (e?.name === 'TimeoutError') return 'timeout'
  return e?.cause?.message ?? e?.cause?.code ?? e?.message ?? String(err)
}

/**
 * GET {baseUrl}/models with a short deadline: the run's preflight and the manifest's model. Throws
 * EvalUnreachableError with the cause (`connect ECONNREFUSED 127.0.0.1:8008`, `timeout`, `HTTP 401`).
 */
export async function fetchModelCards(baseUrl: string, o: { apiKey?: string | undefined; timeoutMs: number }): Promise<ModelCard[]> {
  const url = `${baseUrl.replace(/\/+$/, '')}/models`
  let res: Response
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${o.apiKey ?? 'EMPTY'}` },
      signal: AbortSignal.timeout(o.timeoutMs),
    })
  } catch (err) {
    throw new EvalUnreachableError(`${baseUrl} unreachable (${causeOf(err)})`, { cause: err })
  }
  if (!res.ok) {
    await res.body?.cancel()
    throw new EvalUnreachableError(`${baseUrl} unreachable (GET /models answered HTTP ${res.status})`)
  }
  const body = (await res.json().catch(() => null)) as { data?: unknown } | null
  if (!Array.isArray(body?.data)) throw new EvalUnreachableError(`${baseUrl}: GET /models did not return a model list`)
  return body.data.map((m: Record<string, unknown>) => ({
    id: String(m.id),
    root: typeof m.root === 'string' ? m.root : null,
    owned_by: typeof m.owned_by === 'string' ? m.owned_by : null,
    max_model_len: typeof m.max_model_len === 'number' ? m.max_model_len : null,
  }))
}
