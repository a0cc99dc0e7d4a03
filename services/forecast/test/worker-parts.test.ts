import pino from 'pino'
import { Registry } from 'prom-client'
import { expect, test, vi } from 'vitest'
import { createBarPoller } from '../src/pipeline/bar-poller'
import { createForecastMetrics } from '../src/pipeline/forecast-metrics'
import type { ForecastsRepo } from '../src/pipeline/forecasts-repo'
import type { ClaimedJob, JobsRepo } from '../src/pipeline/jobs-repo'
import { createLeaseHeartbeat } from '../src/pipeline/lease-heartbeat'

const logger = pino({ level: 'silent' })

test('the poller enqueues and resolves once per poll interval of the injected clock, a full scan every 5 minutes', async () => {
  let t = 1_000_000
  const scans: boolean[] = []
  let resolves = 0
  const jobs = {
    enqueue: async (q: { sinceLatest: boolean }) => {
      scans.push(!q.sinceLatest)
      return 0
    },
  } as unknown as JobsRepo
  const forecasts = {
    resolve: async () => {
      resolves++
      return 0
    },
  } as unknown as ForecastsRepo
  const poller = createBarPoller({
    jobs,
    forecasts,
    metrics: createForecastMetrics(new Registry()),
    logger,
    modelVersion: 'm',
    horizon: 1,
    minBars: 2,
    pollMs: 1000,
    now: () => t,
  })
  await poller.enqueue(true)
  expect(scans).toEqual([true])
  await poller.pollIfDue()
  expect(scans).toEqual([true, false])
  expect(poller.untilPoll()).toBe(1000)
  t += 999
  await poller.pollIfDue()
  expect(scans).toHaveLength(2)
  t += 1
  expect(poller.untilPoll()).toBe(0)
  await poller.pollIfDue()
  expect(scans).toEqual([true, false, false])
  t += 300_001
  await poller.pollIfDue()
  expect(scans.at(-1)).toBe(true)
  expect(resolves).toBe(3)
})

test('the lease heartbeat renews exactly the jobs held, every leaseMs / 3, until stopped', async () => {
  vi.useFakeTimers()
  try {
    const renewed: string[][] = []
    const jobs = {
      heartbeat: async (keys: ClaimedJob[]) => {
        renewed.push(keys.map((k) => k.symbol))
        return keys.length
      },
    } as unknown as JobsRepo
    const leases = createLeaseHeartbeat({ jobs, leaseMs: 3000, logger })
    const job = (symbol: string) => ({ symbol, asof: new Date('2020-01-02'), horizon: 1, model_version: 'm' }) as unknown as ClaimedJob
    leases.hold(job('A'))
    leases.hold(job('B'))
    leases.start()
    await vi.advanceTimersByTimeAsync(999)
    expect(renewed).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(renewed).toEqual([['A', 'B']])
    leases.release(job('A'))
    await vi.advanceTimersByTimeAsync(1000)
    expect(renewed.at(-1)).toEqual(['B'])
    leases.stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(renewed).toHaveLength(2)
  } finally {
    vi.useRealTimers()
  }
})
