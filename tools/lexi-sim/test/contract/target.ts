import { behaviourFor, startLexiSim, type LexiSim, type LexiSimOptions, type VersionBehaviour } from '../../src/index'

/**
 * What the contract suite runs against: a real vLLM when LEXI_CONTRACT_URL is set (optionally
 * LEXI_CONTRACT_API_KEY when it runs with --api-key), else a simulator on port 0.
 */
export interface ContractTarget {
  /** Base URL without /v1. */
  url: string
  real: boolean
  apiKey: string | null
  version: string
  behaviour: VersionBehaviour
  model: string
  maxModelLen: number
  close: () => Promise<void>
}

export interface Reply {
  status: number
  headers: Headers
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are asserted field by field
  json: () => any
}

export const DEADLINE_MS = 10_000

export async function call(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; apiKey?: string | null; raw?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers }
  if (init.body !== undefined || init.raw !== undefined) headers['content-type'] ??= 'application/json'
  if (init.apiKey) headers.authorization = `Bearer ${init.apiKey}`
  const res = await fetch(base + path, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
    signal: AbortSignal.timeout(DEADLINE_MS),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) }
}

/** SSE body → the payload of every `data:` frame, checking the framing on the way. */
export function sseFrames(text: string): string[] {
  const frames = text.split('\n\n')
  if (frames.at(-1) !== '') throw new Error(`stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`)
  return frames.slice(0, -1).map((f) => {
    if (!f.startsWith('data: ') || f.includes('\n')) throw new Error(`not a single data line: ${JSON.stringify(f)}`)
    return f.slice('data: '.length)
  })
}

export async function simTarget(options: LexiSimOptions = {}): Promise<ContractTarget & { sim: LexiSim }> {
  const sim = await startLexiSim({ port: 0, timeScale: 0, ...options })
  const version = options.vllmVersion ?? '0.10.2'
  return {
    sim,
    url: sim.url,
    real: false,
    apiKey: options.apiKey ?? null,
    version,
    behaviour: behaviourFor(version),
    model: options.model ?? 'Lexi',
    maxModelLen: options.maxModelLen ?? 4096,
    close: () => sim.close(),
  }
}

export async function contractTarget(env: Record<string, string | undefined>): Promise<ContractTarget> {
  const realUrl = env.LEXI_CONTRACT_URL
  if (!realUrl) return simTarget()
  const url = realUrl.replace(/\/+$/, '').replace(/\/v1$/, '')
  const apiKey = env.LEXI_CONTRACT_API_KEY || null
  const version = (await call(url, '/version')).json().version as string
  const card = (await call(url, '/v1/models', { apiKey })).json().data[0]
  return { url, real: true, apiKey, version, behaviour: behaviourFor(version), model: card.id, maxModelLen: card.max_model_len, close: async () => {} }
}

/** The request fields every contract call sends so a real server answers deterministically. */
export const greedy = { temperature: 0, top_p: 1, seed: 7 }

/** Polls `check` every 5 ms until it holds; fails after `ms`. */
export async function waitFor(check: () => boolean, ms = 2_000, what = 'condition'): Promise<void> {
  const end = performance.now() + ms
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Starts a request and keeps it open; `abort()` disconnects it. */
export function openRequest(base: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const ac = new AbortController()
  const response = fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: ac.signal,
  })
  response.catch(() => {})
  return { response, abort: () => ac.abort() }
}
