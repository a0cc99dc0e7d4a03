import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, LlmError } from '@pulsetrade/llm'
import { captureLogs } from './kit/log-capture'

/**
 * Drill 2: Lexi flapping. The simulator answers 503 (its `overloaded` fault) during every other
 * 100 ms window while 8 callers, each calling every 20 ms, keep one client busy for 3 s. Every call must end in an
 * answer or a typed LlmError within its deadline, the circuit must open and close again (seen in
 * the client's own log lines and its circuit gauge), and nothing may be left in flight.
 */
const RUN_MS = 3_000
const CALLERS = 8
const PAUSE_MS = 20
const DEADLINE_MS = 800
/** Timer and scheduling slack on a loaded CI machine; the client itself aims at deadline + 50 ms. */
const SLACK_MS = 300
const FLIP_MS = 100

let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 10 })
})
afterAll(async () => {
  await sim?.close()
})

test(
  'with Lexi answering 503 half the time, every call ends in an answer or a typed error within its deadline and the circuit opens and closes',
  { timeout: 30_000 },
  async () => {
    const logs = captureLogs('info')
    const client = createLlmClient({
      baseURL: `${sim.url}/v1`,
      logger: logs.logger,
      timeoutMs: DEADLINE_MS,
      maxRetries: 2,
      retryBaseMs: 40,
      retryMaxMs: 160,
      breaker: { failureThreshold: 3, cooldownMs: 60 },
    })
    let overloaded = false
    const flapper = setInterval(() => {
      overloaded = !overloaded
      void sim.setFaults({ overloaded })
    }, FLIP_MS)
    const outcomes: Array<{ ms: number; code: string | null }> = []
    const strays: unknown[] = []
    let next = 0
    const end = Date.now() + RUN_MS
    try {
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          while (Date.now() < end) {
            await sleep(PAUSE_MS)
            const i = next++
            const started = Date.now()
            try {
              await client.chat({ messages: [{ role: 'user', content: `flap ${i}` }], sampling: { temperature: 0.3, top_p: 1, max_tokens: 8 } })
              outcomes.push({ ms: Date.now() - started, code: null })
            } catch (err) {
              if (!(err instanceof LlmError)) strays.push(err)
              outcomes.push({ ms: Date.now() - started, code: (err as LlmError).code })
            }
          }
        }),
      )
    } finally {
      clearInterval(flapper)
      await sim.resetFaults()
    }

    // Every call ended, in time, with an answer or a typed error.
    expect(strays).toEqual([])
    expect(outcomes).toHaveLength(next)
    expect(next).toBeGreaterThan(200)
    const late = outcomes.filter((o) => o.ms > DEADLINE_MS + SLACK_MS)
    expect(late).toEqual([])
    const codes = new Set(outcomes.map((o) => o.code))
    expect([...codes].filter((c) => c !== null && !['LLM_ERR_UPSTREAM', 'LLM_ERR_CIRCUIT_OPEN', 'LLM_ERR_TIMEOUT'].includes(c))).toEqual([])
    expect(outcomes.filter((o) => o.code === null).length).toBeGreaterThan(0)
    expect(codes).toContain('LLM_ERR_CIRCUIT_OPEN')

    // The circuit opened, and closed again after an open.
    const transitions = logs
      .atLeast(30)
      .filter((l) => typeof l.circuit === 'string')
      .map((l) => l.circuit as string)
    expect(transitions).toContain('open')
    // Each opening says which failures opened it: the 503s of the flapping upstream (or a call that
    // ran out of time on a loaded machine).
    const openedBy = logs
      .atLeast(30)
      .filter((l) => l.circuit === 'open')
      .map((l) => (l.opened_by as { code?: unknown } | null)?.code)
    expect(openedBy.filter((c) => c !== 'LLM_ERR_UPSTREAM' && c !== 'LLM_ERR_TIMEOUT')).toEqual([])
    expect(openedBy).toContain('LLM_ERR_UPSTREAM')
    expect(transitions.slice(transitions.indexOf('open'))).toContain('closed')
    // ...more than once: the breaker follows the flapping instead of sticking in one state.
    expect(transitions.filter((c, i) => c === 'closed' && transitions.slice(0, i).includes('open')).length).toBeGreaterThanOrEqual(2)

    // Nothing hangs: no call in flight or queued, the simulator holds no request, the circuit recovers.
    const settled = await client
      .chat({ messages: [{ role: 'user', content: 'after' }], sampling: { temperature: 0.3, top_p: 1, max_tokens: 8 } }, { timeoutMs: 2_000 })
      .then(
        () => 'ok',
        (err: LlmError) => err.code,
      )
    const stats = client.stats()
    await client.close()
    expect({ inFlight: stats.inFlight, waiting: stats.waiting }).toEqual({ inFlight: 0, waiting: 0 })
    expect(sim.stats().running).toBe(0)
    expect(['ok', 'LLM_ERR_CIRCUIT_OPEN']).toContain(settled)
    const gauge = (await client.metrics.getSingleMetric('llm_client_circuit_state')?.get())?.values[0]?.value
    expect(gauge === 0 || settled === 'LLM_ERR_CIRCUIT_OPEN').toBe(true)
  },
)
