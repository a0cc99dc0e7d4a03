import { afterEach, expect, test } from 'vitest'
import { startLexiSim, type LexiSim } from '../src/index'
import { openRequest, waitFor } from './contract/target'

/** Issue 3 / contract 13: a client disconnect aborts its request and frees the slot at once. */
let sim: LexiSim | null = null
afterEach(async () => {
  await sim?.close()
  sim = null
})
const hi = [{ role: 'user', content: 'Say hello.' }]

async function abortCount(s: LexiSim): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text()
  return Number(/^vllm:request_success_total\{[^}]*finished_reason="abort"\} (\d+)/m.exec(text)?.[1])
}

for (const stream of [false, true]) {
  test(`a disconnected ${stream ? 'stream' : 'non-stream'} request frees its slot and the next waiting request starts`, async () => {
    const s = (sim = await startLexiSim({ port: 0, maxNumSeqs: 1, fixedLatencyMs: 60_000 }))
    const first = openRequest(s.url, { messages: hi, stream })
    await waitFor(() => s.stats().running === 1, 2_000, 'first running')
    const second = openRequest(s.url, { messages: hi, stream })
    await waitFor(() => s.stats().waiting === 1, 2_000, 'second waiting')
    first.abort()
    await waitFor(() => s.stats().aborted === 1 && s.stats().waiting === 0, 500, 'slot handed over')
    expect(s.stats()).toMatchObject({ running: 1, waiting: 0, aborted: 1, completed: 0 })
    expect(await abortCount(s)).toBe(1)
    second.abort()
    await waitFor(() => s.stats().running === 0, 500, 'second aborted')
    expect(await abortCount(s)).toBe(2)
  })
}

test('a waiting request that disconnects leaves the queue without touching the running one', async () => {
  const s = (sim = await startLexiSim({ port: 0, maxNumSeqs: 1, fixedLatencyMs: 60_000 }))
  const first = openRequest(s.url, { messages: hi })
  await waitFor(() => s.stats().running === 1, 2_000, 'first running')
  const second = openRequest(s.url, { messages: hi })
  await waitFor(() => s.stats().waiting === 1, 2_000, 'second waiting')
  second.abort()
  await waitFor(() => s.stats().waiting === 0, 500, 'queue emptied')
  expect(s.stats()).toMatchObject({ running: 1, aborted: 1 })
  first.abort()
  await waitFor(() => s.stats().running === 0, 500, 'first aborted')
})
