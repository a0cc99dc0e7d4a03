import type { LlmClient, LlmResult, PromptRegistry, RenderedPrompt } from '@pulsetrade/llm'

/** A prompt registry stand-in: renders every prompt as one user message holding the inputs. */
export function fakeRegistry(): PromptRegistry {
  const render = (name: string, vars: Record<string, unknown>): RenderedPrompt => ({
    prompt: name,
    version: '1.0.0',
    hash: `hash-${name}`,
    arm: null,
    bucket: null,
    messages: [{ role: 'user', content: JSON.stringify(vars) }],
    sampling: { temperature: 0, top_p: 1, max_tokens: 100 },
    jsonSchema: {},
  })
  return {
    names: () => ['rationale', 'policy'],
    versions: () => [],
    active: () => {
      throw new Error('not used')
    },
    get: () => {
      throw new Error('not used')
    },
    choose: () => ({ version: '1.0.0', arm: null, bucket: null }),
    render,
  }
}

const base = (p: RenderedPrompt): Omit<LlmResult<unknown>, 'parsed' | 'ok' | 'error' | 'raw' | 'valid_json'> => ({
  prompt: p.prompt,
  version: p.version,
  hash: p.hash,
  arm: p.arm,
  bucket: p.bucket,
  repaired: false,
  cached: false,
  finish_reason: 'stop',
  latency_ms: 1,
  usage: { prompt_tokens: 10, completion_tokens: 5 },
  request_id: 'r1',
})

export const ANSWERS = {
  rationale: { summary: 'Up on momentum.', drivers: ['ret_5 +2%'], risks: ['vol_20 high'], confidence: 0.6 },
  policy: { decision: 'allow', size_factor: 0.5, reason: 'fine', risk_flags: [] },
}

/**
 * An LlmClient stand-in for unit tests: answers from ANSWERS (or `policy`), or fails every call with
 * `failCode` (and `failCause`, the cause code a circuit-open error carries, and `failMessage`).
 */
export function fakeLlm(opts: { failCode?: string; failCause?: string; failMessage?: string; policy?: unknown } = {}): LlmClient {
  return {
    structured: async (p) => {
      if (opts.failCode) {
        const error = { code: opts.failCode, ...(opts.failCause ? { cause: opts.failCause } : {}), message: opts.failMessage ?? 'down' }
        return { ...base(p), ok: false, valid_json: false, parsed: null, raw: '', error }
      }
      const parsed = p.prompt === 'policy' && opts.policy !== undefined ? opts.policy : ANSWERS[p.prompt as keyof typeof ANSWERS]
      return { ...base(p), ok: true, valid_json: true, parsed, raw: JSON.stringify(parsed), error: null }
    },
    chat: async () => {
      throw new Error('not used')
    },
    chatStream: () => {
      throw new Error('not used')
    },
    health: async () => {
      throw new Error('not used')
    },
    models: async () => [],
    close: async () => {},
  } as LlmClient
}
