import { afterAll, beforeAll, expect, test } from 'vitest'
import { chatFloodSimFlags, runChatFloodSide, type ChatFloodSide } from '@pulsetrade/bench/chat-flood'
import { startSimProcess, type SimProcess } from '@pulsetrade/bench/lexi-sim-process'
import { testDatabase } from '../db'

/**
 * Issue 15, acceptance point 1: chat must not starve the trading gate. Lexi (lexi-sim in its own
 * process, 64 slots, chat answers of 1000-1400 tokens, priority scheduling) serves the api's chat
 * and the forecast worker. With 60 chat streams in flight in the api (its default budgets: at
 * most 16 of them at Lexi, the rest in its own queue), the worker's policy calls must succeed
 * (≥ 99 %), with a p95 latency at most 1.5 × the same run without chat, and no circuit opening.
 * Bounded: 96 forecasts per side at --time-scale 0.3, well under a minute in all.
 */
const FORECASTS = 96
const CHAT_STREAMS = 60
const baseDb = await testDatabase()
const floodDb = await testDatabase()
let sim: SimProcess
beforeAll(async () => {
  sim = await startSimProcess(chatFloodSimFlags('priority'))
}, 60_000)
afterAll(async () => {
  await sim?.close()
})

const line = (name: string, s: ChatFloodSide): string =>
  `${name}: policy ok ${s.policy_ok}/${s.policy_calls}, p50 ${s.policy_p50_ms} ms, p95 ${s.policy_p95_ms} ms, circuits opened ${s.circuits_opened}, chat at Lexi ${s.chat_at_lexi} + queued ${s.chat_queued}, run ${s.run_s} s`

test('60 chat streams in flight: policy calls succeed, p95 within 1.5x of the run without chat, no circuit opens', { timeout: 150_000 }, async () => {
  const base = await runChatFloodSide({ simUrl: sim.url, db: baseDb, forecasts: FORECASTS, chatStreams: 0, priority: true })
  let lexiRunning = 0
  const flood = await runChatFloodSide({
    simUrl: sim.url,
    db: floodDb,
    forecasts: FORECASTS,
    chatStreams: CHAT_STREAMS,
    priority: true,
    onChatReady: async () => {
      lexiRunning = (await sim.stats()).running
    },
  })
  const ratio = flood.policy_p95_ms / base.policy_p95_ms
  console.log(line('without chat', base))
  console.log(line(`with ${CHAT_STREAMS} chat streams`, flood))
  console.log(`policy p95 with chat / without: ${ratio.toFixed(2)} (bound 1.5); Lexi running when the worker started: ${lexiRunning}`)

  // The flood was real: every chat stream in flight, the api's share of Lexi full, the rest queued in the api.
  expect(flood.chat_at_lexi + flood.chat_queued).toBe(CHAT_STREAMS)
  expect(flood.chat_at_lexi).toBe(16)
  expect(lexiRunning).toBe(16)
  for (const s of [base, flood]) {
    expect(s.forecasts).toBe(FORECASTS)
    expect(s.policy_ok / s.policy_calls).toBeGreaterThanOrEqual(0.99)
    expect(s.circuits_opened).toBe(0)
  }
  expect(ratio).toBeLessThanOrEqual(1.5)
  // Trading calls went with the lowest priority value, the rationale after them, chat after both.
  const seen = (await sim.stats()).byPriority
  expect(Object.keys(seen).map(Number).sort()).toEqual([0, 1, 2])
})
