import { afterEach, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '../src/index'
import { call, waitFor } from './contract/target'

let sim: LexiSim | null = null
afterEach(async () => {
  await sim?.close()
  sim = null
})
const schema = { type: 'object', properties: { decision: { enum: ['allow', 'deny'] } }, required: ['decision'] }
const structured = { messages: [{ role: 'user', content: 'Decide.' }], response_format: { type: 'json_schema', json_schema: { name: 'd', schema } } }

test('POST /sim/faults updates part of the faults, GET reads them, bad keys and values are a 400', async () => {
  const s = (sim = await startLexiSim({ port: 0, timeScale: 0 }))
  const set = await call(s.url, '/sim/faults', { body: { slow: 2, invalid_json: 0.5, health_reply: 'Ok.' } })
  expect(set.status).toBe(200)
  expect((await call(s.url, '/sim/faults')).json()).toMatchObject({ slow: 2, invalid_json: 0.5, health_reply: 'Ok.', down: false })
  const bad = await call(s.url, '/sim/faults', { body: { invalid_json: 2, nonsense: true } })
  expect(bad.status).toBe(400)
  expect(bad.json().problems).toEqual(['invalid_json must be a number in [0, 1]', 'unknown fault "nonsense"'])
  const health = (await call(s.url, '/v1/chat/completions', { body: { messages: [{ role: 'user', content: 'Reply with exactly OK' }] } })).json()
  expect(health.choices[0].message.content).toBe('Ok.')
  const reset = await call(s.url, '/sim/reset', { method: 'POST' })
  expect(reset.json().faults).toEqual(s.faults())
  expect(s.faults()).toMatchObject({ slow: 1, invalid_json: 0, health_reply: null })
  expect(reset.json().stats).toMatchObject({ requests: 0, completed: 0 })
})

test('a 20% invalid_json rate over 1,000 structured requests lands within 3 points', async () => {
  const s = (sim = await startLexiSim({ port: 0, timeScale: 0, faults: { invalid_json: 0.2 } }))
  let invalid = 0
  for (let batch = 0; batch < 20; batch++) {
    const replies = await Promise.all(Array.from({ length: 50 }, () => call(s.url, '/v1/chat/completions', { body: structured })))
    for (const r of replies) {
      try {
        JSON.parse(r.json().choices[0].message.content)
      } catch {
        invalid++
      }
    }
  }
  expect(Math.abs(invalid / 1000 - 0.2)).toBeLessThanOrEqual(0.03)
  expect(s.stats().faults.invalid_json).toBe(invalid)
}, 60_000)

test('down closes the port (the control routes too) and clearing it reopens the same port', async () => {
  const s = (sim = await startLexiSim({ port: 0, timeScale: 0 }))
  expect((await call(s.url, '/sim/faults', { body: { down: true } })).json().down).toBe(true)
  await expect(call(s.url, '/health')).rejects.toThrow(/fetch failed/)
  await expect(call(s.url, '/sim/faults')).rejects.toThrow(/fetch failed/)
  expect(s.faults().down).toBe(true)
  await s.setFaults({ down: false })
  expect((await call(s.url, '/health')).status).toBe(200)
  expect(s.port).toBe(Number(new URL(s.url).port))
})

test('down drops in-flight requests as aborts; a sim can start down', async () => {
  const s = (sim = await startLexiSim({ port: 0, fixedLatencyMs: 60_000 }))
  const pending = call(s.url, '/v1/chat/completions', { body: { messages: [{ role: 'user', content: 'hi' }] } })
  while (s.stats().running === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  await s.setFaults({ down: true })
  await expect(pending).rejects.toThrow(/fetch failed/)
  await waitFor(() => s.stats().aborted === 1, 500, 'the dropped request counted as an abort')
  expect(s.stats().running).toBe(0)
  const downFromStart = await startLexiSim({ port: 0, faults: { down: true } })
  try {
    await expect(call(downFromStart.url, '/health')).rejects.toThrow(/fetch failed/)
    await downFromStart.setFaults({ down: false })
    expect((await call(downFromStart.url, '/health')).status).toBe(200)
  } finally {
    await downFromStart.close()
  }
})

test('slow multiplies the latency; timeScale 0 makes it zero', async () => {
  const s = (sim = await startLexiSim({ port: 0, fixedLatencyMs: 40, faults: { slow: 3 } }))
  const t0 = performance.now()
  await call(s.url, '/v1/chat/completions', { body: { messages: [{ role: 'user', content: 'hi' }] } })
  expect(performance.now() - t0).toBeGreaterThanOrEqual(115)
})
