import { setMaxListeners } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, test } from 'vitest'
import { buildApp } from '@pulsetrade/api/app'
import { loadConfig as apiConfig } from '@pulsetrade/api/config'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { clientOptionsFromEnv, createLlmClient, loadPromptRegistry, type LlmClientInstance } from '@pulsetrade/llm'
import { testDatabase } from '../db'
import { captureLogs } from './kit/log-capture'

/**
 * Issue 15, acceptance point 3: health tells busy from broken. With 64 chat streams in flight and
 * 26 more queued in the api's own client, GET /llm/health answers within its deadline and does
 * not report a timeout; with Lexi killed, the first /llm/health after a failed real call reports
 * it down instead of a cached success.
 */
const HEALTH_TIMEOUT_MS = 1_000
const PROMPTS = fileURLToPath(new URL('../../configs/llm_prompts.yaml', import.meta.url))
const db = await testDatabase()

const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function api(sim: LexiSim, env: Record<string, string> = {}): { app: ReturnType<typeof buildApp>; llm: LlmClientInstance } {
  const config = apiConfig({
    DATABASE_URL: db.url,
    LLM_BASE_URL: `${sim.url}/v1`,
    LOG_LEVEL: 'error',
    LLM_HEALTH_TIMEOUT_MS: String(HEALTH_TIMEOUT_MS),
    LLM_TIMEOUT_MS: '60000',
    ...env,
  })
  const logs = captureLogs('error')
  const llm = createLlmClient({ ...clientOptionsFromEnv(config), healthTimeoutMs: config.LLM_HEALTH_TIMEOUT_MS, logger: logs.logger })
  const app = buildApp({ config, db: db.pool, llm, prompts: loadPromptRegistry(PROMPTS), logger: logs.logger })
  cleanup.push(
    () => app.close(),
    () => llm.close(),
  )
  return { app, llm }
}

/** `n` long chat streams the way POST /llm/chat makes them; aborted at the end of the test. */
function chatFlood(llm: LlmClientInstance, n: number): void {
  const ctl = new AbortController()
  setMaxListeners(n + 10, ctl.signal)
  const req = { messages: [{ role: 'user' as const, content: 'Write an essay.' }], sampling: { temperature: 0.7, top_p: 1, max_tokens: 2000 } }
  const runs = Array.from({ length: n }, async () => {
    try {
      for await (const _ of llm.chatStream(req, { signal: ctl.signal, priorityClass: 'interactive' })) {
        /* reading */
      }
    } catch {
      /* aborted at the end */
    }
  })
  cleanup.push(async () => {
    ctl.abort()
    await Promise.all(runs)
  })
}

test('64 chat streams in flight and 26 queued: /llm/health answers within its deadline, never "timeout"', { timeout: 60_000 }, async () => {
  const sim = await startLexiSim({ port: 0, maxNumSeqs: 64, textTokens: [1000, 1400], itlBaseMs: 25, jitterSigma: 0 })
  cleanup.push(() => sim.close())
  // The setup: chat may hold every slot of this process (the defaults would keep it at 16).
  const { app, llm } = api(sim, { LLM_INTERACTIVE_SLOTS: '64', LLM_RESERVED_SLOTS: '0' })
  chatFlood(llm, 90)
  for (let i = 0; i < 100 && (sim.stats().running < 64 || llm.stats().waiting < 26); i++) await sleep(50)
  expect(sim.stats().running).toBe(64)
  expect(llm.stats()).toMatchObject({ inFlight: 64, waiting: 26 })
  await sleep(1_000) // every stream has started and tokens are flowing

  for (let round = 0; round < 3; round++) {
    const t0 = performance.now()
    const res = await app.inject({ method: 'GET', url: '/llm/health' })
    const ms = performance.now() - t0
    const body = res.json()
    expect(ms).toBeLessThan(HEALTH_TIMEOUT_MS + 700)
    expect(res.statusCode, JSON.stringify(body)).toBe(200)
    expect(body).toMatchObject({ ok: true, queue: { in_flight: 64, waiting: 26 } })
    expect(['ok', 'saturated']).toContain(body.state)
    expect(JSON.stringify(body)).not.toMatch(/timeout/i)
    console.log(
      `health under saturation, round ${round + 1}: ${res.statusCode} state=${String(body.state)} answered in ${Math.round(ms)} ms (deadline ${HEALTH_TIMEOUT_MS} ms)`,
    )
    await sleep(2_100) // past LLM_HEALTH_FAIL_TTL_MS: probe again
  }
})

test('the default budgets keep chat to 16 slots: the probe is answered at once, state ok', { timeout: 60_000 }, async () => {
  const sim = await startLexiSim({ port: 0, maxNumSeqs: 64, textTokens: [1000, 1400], itlBaseMs: 25, jitterSigma: 0 })
  cleanup.push(() => sim.close())
  const { app, llm } = api(sim)
  chatFlood(llm, 90)
  for (let i = 0; i < 100 && sim.stats().running < 16; i++) await sleep(50)
  await sleep(200)
  expect(sim.stats().running).toBe(16)
  expect(llm.stats().classes.interactive).toEqual({ inFlight: 16, waiting: 74 })
  const res = await app.inject({ method: 'GET', url: '/llm/health' })
  expect(res.statusCode).toBe(200)
  expect(res.json()).toMatchObject({ ok: true, state: 'ok', queue: { in_flight: 16, waiting: 74 } })
  expect(res.json().latency_ms).toBeLessThan(HEALTH_TIMEOUT_MS)
})

test('Lexi killed: the next /llm/health after a failed real call says down, not a 15 s old success', { timeout: 30_000 }, async () => {
  const sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
  const { app, llm } = api(sim, { LLM_HEALTH_TTL_MS: '15000', LLM_MAX_RETRIES: '0' })
  const first = await app.inject({ method: 'GET', url: '/llm/health' })
  expect(first.json()).toMatchObject({ ok: true, state: 'ok', cached: false })
  expect((await app.inject({ method: 'GET', url: '/llm/health' })).json()).toMatchObject({ ok: true, cached: true })

  await sim.close()
  // Nothing has failed yet in this process: the success is still served from the cache.
  expect((await app.inject({ method: 'GET', url: '/llm/health' })).json()).toMatchObject({ ok: true, cached: true })
  // A real call fails against the dead Lexi...
  const err = await llm
    .chat({ messages: [{ role: 'user', content: 'hi' }], sampling: { temperature: 0, top_p: 1, max_tokens: 4 } }, { priorityClass: 'interactive' })
    .catch((e: unknown) => e)
  expect(err).toMatchObject({ code: 'LLM_ERR_UNREACHABLE' })
  // ...and the very next health check probes again and reports it.
  const after = await app.inject({ method: 'GET', url: '/llm/health' })
  expect(after.statusCode).toBe(503)
  expect(after.json()).toMatchObject({ ok: false, state: 'down', cached: false })
  expect(after.json().error).toContain('ECONNREFUSED')
})
