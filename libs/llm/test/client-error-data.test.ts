import { describe, expect, test } from 'vitest'
import {
  LLM_ERROR_TEXT,
  PolicyDecisionSchema,
  createLlmClient,
  evaluateGate,
  gateFailReason,
  ungatedPolicyRecord,
  type LlmClientInstance,
  type LlmResult,
  type PolicyDecision,
} from '@pulsetrade/llm'
import { testDatabase } from '../../../test/db'
import { completion, deadUrl, renderedPrompt, sendJson, startServer, type TestServer } from './client-fixtures'

/**
 * Errors are data: the fail_reason recorded in features.llm.policy and orders.gate comes from the
 * error's code and cause fields, never from its wording. Every scenario runs twice through the real
 * client against real sockets, once with the messages as shipped and once with every entry of
 * LLM_ERROR_TEXT reworded; the recorded values (after a round trip through Postgres jsonb, as they
 * are stored) must be the same, and the expected ones.
 */
const db = await testDatabase()

type Scenario = (s: Kit) => Promise<LlmResult<PolicyDecision>>
interface Kit {
  client: (o: Parameters<typeof createLlmClient>[0]) => LlmClientInstance
  serve: (h: Parameters<typeof startServer>[0]) => Promise<TestServer>
}

const ask = (c: LlmClientInstance, over: Parameters<typeof renderedPrompt>[0] = {}): Promise<LlmResult<PolicyDecision>> =>
  c.structured(renderedPrompt(over), PolicyDecisionSchema)
const hang = (): void => {} // accepts the request, never answers

const SCENARIOS: Record<string, { expected: string; run: Scenario }> = {
  timeout: {
    expected: 'timeout',
    run: async (k) => ask(k.client({ baseURL: (await k.serve(hang)).url, maxRetries: 0, timeoutMs: 150 })),
  },
  'circuit opened by timeouts': {
    expected: 'timeout',
    run: async (k) => {
      const c = k.client({ baseURL: (await k.serve(hang)).url, maxRetries: 0, timeoutMs: 150, breaker: { failureThreshold: 2, cooldownMs: 60_000 } })
      await ask(c)
      await ask(c)
      return ask(c)
    },
  },
  'circuit opened by 503s': {
    expected: 'upstream_error',
    run: async (k) => {
      const s = await k.serve((_r, res) => {
        sendJson(res, 503, { error: { message: 'overloaded', type: 'ServiceUnavailableError', param: null, code: 503 } })
      })
      const c = k.client({ baseURL: s.url, maxRetries: 0, timeoutMs: 2_000, breaker: { failureThreshold: 2, cooldownMs: 60_000 } })
      await ask(c)
      await ask(c)
      return ask(c)
    },
  },
  'circuit opened by refused connections': {
    expected: 'unreachable',
    run: async (k) => {
      const c = k.client({ baseURL: await deadUrl(), maxRetries: 0, timeoutMs: 2_000, breaker: { failureThreshold: 2, cooldownMs: 60_000 } })
      await ask(c)
      await ask(c)
      return ask(c)
    },
  },
  unreachable: { expected: 'unreachable', run: async (k) => ask(k.client({ baseURL: await deadUrl(), maxRetries: 0, timeoutMs: 2_000 })) },
  'queue full': {
    expected: 'queue_full',
    run: async (k) => {
      const c = k.client({ baseURL: (await k.serve(hang)).url, maxRetries: 0, timeoutMs: 300, concurrency: 1, maxQueue: 0 })
      const first = ask(c)
      const second = await ask(c)
      await first
      return second
    },
  },
  'prompt too long': {
    expected: 'context_length',
    run: async (k) =>
      ask(k.client({ baseURL: (await k.serve(hang)).url, maxRetries: 0, timeoutMs: 2_000, maxContextTokens: 64 }), {
        messages: [{ role: 'user', content: 'x '.repeat(400) }],
      }),
  },
  'invalid JSON twice': {
    expected: 'invalid_json',
    run: async (k) =>
      ask(
        k.client({
          baseURL: (
            await k.serve((_r, res) => {
              sendJson(res, 200, completion('{"decision": "allow", '))
            })
          ).url,
          maxRetries: 0,
          timeoutMs: 2_000,
        }),
      ),
  },
  'dead engine (empty 500)': {
    expected: 'upstream_error',
    run: async (k) =>
      ask(
        k.client({
          baseURL: (
            await k.serve((_r, res) => {
              res.writeHead(500)
              res.end()
            })
          ).url,
          maxRetries: 0,
          timeoutMs: 2_000,
        }),
      ),
  },
}

interface Recorded {
  message: string
  policy: unknown
  gate: unknown
  reread: unknown
}

async function record(name: string): Promise<Recorded> {
  const servers: TestServer[] = []
  const clients: LlmClientInstance[] = []
  const kit: Kit = {
    client: (o) => {
      const c = createLlmClient(o)
      clients.push(c)
      return c
    },
    serve: async (h) => {
      const s = await startServer(h)
      servers.push(s)
      return s
    },
  }
  try {
    const r = await (SCENARIOS[name] as { run: Scenario }).run(kit)
    expect(r.ok).toBe(false)
    const policy = ungatedPolicyRecord(r, { effective: 'pending', mode: 'enforce', gateDisabled: false })
    const gate = evaluateGate({ risk: { pass: true, checks: [] }, llm: r, riskReducing: false, mode: 'enforce', gateDisabled: false, qty: 10 })
    // Stored as features.llm / orders.gate are (jsonb), then read back.
    const { rows } = await db.pool.query<{ policy: { fail_reason: string; error: { code: string; cause?: string | null } }; gate: { fail_reason: string } }>(
      'select $1::jsonb as policy, $2::jsonb as gate',
      [JSON.stringify(policy), JSON.stringify(gate)],
    )
    const stored = rows[0] as NonNullable<(typeof rows)[0]>
    return { message: r.error?.message ?? '', policy: stored.policy.fail_reason, gate: stored.gate.fail_reason, reread: gateFailReason(stored.policy.error) }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await Promise.all(servers.map((s) => s.close()))
  }
}

/** Replaces every message of LLM_ERROR_TEXT with a different wording ("time-outs", words reversed); returns the undo. */
function rewordEverything(): () => void {
  const texts = LLM_ERROR_TEXT as unknown as Record<string, (...args: unknown[]) => string>
  const original = { ...texts }
  for (const [key, fn] of Object.entries(original)) {
    texts[key] = (...args) =>
      `reworded ${key}: ${fn(...args)
        .replace(/timeout/g, 'time-out')
        .split(' ')
        .reverse()
        .join(' ')}`
  }
  return () => {
    Object.assign(texts, original)
  }
}

describe('stored fail_reason values do not depend on any message wording', () => {
  test.each(Object.keys(SCENARIOS))('%s', async (name) => {
    const expected = (SCENARIOS[name] as { expected: string }).expected
    const shipped = await record(name)
    const undo = rewordEverything()
    let reworded: Recorded
    try {
      reworded = await record(name)
    } finally {
      undo()
    }
    expect(reworded.message).not.toBe(shipped.message)
    expect(reworded.message).toMatch(/^reworded /)
    expect({ policy: shipped.policy, gate: shipped.gate, reread: shipped.reread }).toEqual({ policy: expected, gate: expected, reread: expected })
    expect({ policy: reworded.policy, gate: reworded.gate, reread: reworded.reread }).toEqual({ policy: expected, gate: expected, reread: expected })
  })
})
