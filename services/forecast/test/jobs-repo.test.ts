import { setTimeout as sleep } from 'node:timers/promises'
import { expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { createBarsRepo } from '../src/bars/bars-repo'
import { createModelRegistry } from '../src/models/model-registry'
import { buildForecastUnit } from '../src/pipeline/build-inputs'
import { createJobsRepo } from '../src/pipeline/jobs-repo'
import { loadHistories } from '../src/pipeline/load-histories'
import { DEFAULT_SIZING } from '../src/pipeline/propose-order'
import { makeBars } from './bars-fixture'

const db = await testDatabase()
await createBarsRepo(db.pool).insert(makeBars(100, 4).map((b) => ({ symbol: 'T', ...b })))

// Each test has a queue of its own (a model version of its own over the same bars), so the tests
// pass alone and in any order (vitest --sequence.shuffle).
let queues = 0
async function freshQueue(): Promise<string> {
  const mv = `ewma-rm-${++queues}`
  expect(await createJobsRepo(db.pool, { workerId: 'setup', leaseMs: 60_000 }).enqueue({ modelVersion: mv, horizon: 1, minBars: 61 })).toBe(40)
  return mv
}

test('enqueue adds each bar with enough history once, however often it runs', async () => {
  const mv = 'ewma-rm-enqueue'
  const jobs = createJobsRepo(db.pool, { workerId: 'a', leaseMs: 60_000 })
  expect(await jobs.enqueue({ modelVersion: mv, horizon: 1, minBars: 61 })).toBe(40)
  expect(await jobs.enqueue({ modelVersion: mv, horizon: 1, minBars: 61 })).toBe(0)
  expect(await jobs.enqueue({ modelVersion: mv, horizon: 1, minBars: 61, sinceLatest: true })).toBe(0)
  expect(await jobs.counts(mv)).toEqual({ pending: 40, done: 0, failed: 0 })
})

test('concurrent claims never hand out the same bar, oldest bars first', async () => {
  const mv = await freshQueue()
  const workers = ['w1', 'w2', 'w3', 'w4'].map((id) => createJobsRepo(db.pool, { workerId: id, leaseMs: 60_000 }))
  const claims = await Promise.all(workers.map((w) => w.claim(7, mv)))
  const keys = claims.flat().map((j) => j.asof.toISOString())
  expect(keys).toHaveLength(28)
  expect(new Set(keys).size).toBe(28)
  for (const c of claims) expect(c.map((j) => j.asof.getTime())).toEqual([...c.map((j) => j.asof.getTime())].sort((a, b) => a - b))
  // The rest of the queue is still claimable; leased rows are not.
  const rest = await createJobsRepo(db.pool, { workerId: 'w5', leaseMs: 60_000 }).claim(100, mv)
  expect(rest).toHaveLength(12)
  await Promise.all([...workers, createJobsRepo(db.pool, { workerId: 'w5', leaseMs: 60_000 })].map(async (w, i) => w.release(i < 4 ? (claims[i] ?? []) : rest)))
})

test('a lease that is not renewed runs out and the bar is claimed again; a renewed one is not', async () => {
  const mv = await freshQueue()
  const dead = createJobsRepo(db.pool, { workerId: 'dead', leaseMs: 300 })
  const alive = createJobsRepo(db.pool, { workerId: 'alive', leaseMs: 300 })
  const d = await dead.claim(2, mv)
  const a = await alive.claim(2, mv)
  for (let i = 0; i < 4; i++) {
    await sleep(150)
    await alive.heartbeat(a)
  }
  const other = createJobsRepo(db.pool, { workerId: 'other', leaseMs: 60_000 })
  const again = await other.claim(2, mv)
  expect(again.map((j) => j.asof.toISOString())).toEqual(d.map((j) => j.asof.toISOString()))
  expect(again.map((j) => j.attempts)).toEqual(d.map((j) => j.attempts + 1))
  await other.complete(again)
  await alive.complete(a)
  expect((await other.counts(mv)).done).toBe(4)
})

test('a job that keeps failing is retried until maxAttempts, then marked failed', async () => {
  const mv = await freshQueue()
  const w = createJobsRepo(db.pool, { workerId: 'f', leaseMs: 60_000 })
  let [job] = await w.claim(1, mv)
  const maxAttempts = job!.attempts + 1
  expect(await w.fail(job!, 'boom', { maxAttempts, retryMs: 0 })).toBe('retry')
  ;[job] = await w.claim(1, mv)
  expect(job?.attempts).toBe(maxAttempts)
  expect(await w.fail(job!, 'boom again', { maxAttempts, retryMs: 0 })).toBe('failed')
  expect((await w.counts(mv)).failed).toBe(1)
})

test('a claimed bar sees only bars at or before asof: rewriting later bars changes nothing', async () => {
  const mv = await freshQueue()
  const model = createModelRegistry().ewma
  const w = createJobsRepo(db.pool, { workerId: 'la', leaseMs: 60_000 })
  const [job] = await w.claim(1, mv)
  const before = (await loadHistories(createBarsRepo(db.pool), [job!], model.lookback)).values().next().value!
  const unit = buildForecastUnit('T', before, model, 1, DEFAULT_SIZING)
  await db.pool.query('UPDATE market_bars SET close = close * 5, high = high * 5, volume = volume * 9 WHERE symbol = $1 AND ts > $2', ['T', job!.asof])
  const after = (await loadHistories(createBarsRepo(db.pool), [job!], model.lookback)).values().next().value!
  expect(after[after.length - 1]?.ts).toEqual(job!.asof)
  expect(buildForecastUnit('T', after, model, 1, DEFAULT_SIZING)).toEqual(unit)
})
