import { afterAll, beforeAll, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { testDatabase } from '../../../test/db'
import { VLLM_PRIORITY } from '@pulsetrade/llm'
import { buildTestApp, chatAuth } from './build-test-app'

/**
 * A Lexi that refuses priorities is named in /readyz (not only in the log), and stays usable; chat
 * calls carry the interactive class.
 */
const db = await testDatabase()
let sim: LexiSim
beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
})
afterAll(async () => {
  await sim.close()
})

test('LLM_PRIORITY_SCHEDULING=1 against an fcfs Lexi: calls succeed and /readyz says priorities are refused', async () => {
  const { app, llm } = buildTestApp(db, `${sim.url}/v1`, { LLM_PRIORITY_SCHEDULING: '1' })
  try {
    const before = await app.inject({ method: 'GET', url: '/readyz' })
    expect(before.json().checks.llm.detail).toBeUndefined()
    const r = await llm.chat(
      { messages: [{ role: 'user', content: 'hi' }], sampling: { temperature: 0.5, top_p: 1, max_tokens: 4 } },
      { priorityClass: 'interactive' },
    )
    expect(r.text.length).toBeGreaterThan(0)
    const ready = await app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json().checks.llm).toMatchObject({ ok: true })
    expect(ready.json().checks.llm.detail).toMatch(/^priority scheduling is not enabled on 127\.0\.0\.1:\d+\/v1: requests are sent without priority$/)
  } finally {
    await app.close()
  }
})

test('POST /llm/chat runs in the interactive class: with priority scheduling Lexi sees priority 2', async () => {
  const prioritySim = await startLexiSim({ port: 0, fixedLatencyMs: 0, schedulingPolicy: 'priority' })
  const { app } = buildTestApp(db, `${prioritySim.url}/v1`, { LLM_PRIORITY_SCHEDULING: '1' })
  try {
    for (const stream of [false, true]) {
      const res = await app.inject({ method: 'POST', url: '/llm/chat', headers: chatAuth, payload: { prompt: 'hi', max_tokens: 8, stream } })
      expect(res.statusCode, res.body).toBe(200)
    }
    expect(prioritySim.stats().byPriority).toEqual({ [VLLM_PRIORITY.interactive]: 2 })
  } finally {
    await app.close()
    await prioritySim.close()
  }
})
