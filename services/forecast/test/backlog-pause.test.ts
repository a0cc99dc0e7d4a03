import pino from 'pino'
import { Registry } from 'prom-client'
import { expect, test } from 'vitest'
import { createBacklogPause, outageReason, type OutageOptions } from '../src/pipeline/backlog-pause'
import { createForecastMetrics } from '../src/pipeline/forecast-metrics'

const DAY = 86_400_000
const NOW = Date.parse('2026-12-07T12:00:00Z')

const result = (ok: boolean, code: string | null, message = 'x', cause: string | null = null) => ({ ok, error: code == null ? null : { code, cause, message } })
const features = (policy: ReturnType<typeof result>, rationale = result(true, null)) => ({ policy, rationale }) as never

function setup(o: Partial<OutageOptions> = {}) {
  let down = true
  let mayProbe = false
  let probes = 0
  let answer: (ok: boolean) => void = () => {}
  const registry = new Registry()
  const metrics = createForecastMetrics(registry)
  const pause = createBacklogPause(
    {
      pause: true,
      maxPriceAgeMs: 4 * DAY,
      lexiDown: () => down,
      mayProbe: () => mayProbe,
      probe: () => {
        probes++
        return new Promise<boolean>((resolve) => {
          answer = resolve
        })
      },
      now: () => NOW,
      ...o,
    },
    { logger: pino({ level: 'silent' }), metrics },
  )
  const gauge = async (): Promise<number | undefined> => (await registry.getSingleMetric('forecast_backlog_paused')?.get())?.values[0]?.value
  return {
    pause,
    gauge,
    set: (s: { down?: boolean; mayProbe?: boolean }) => {
      down = s.down ?? down
      mayProbe = s.mayProbe ?? mayProbe
    },
    probes: () => probes,
    answer: (ok: boolean) => answer(ok),
  }
}

test('a bar is live while its age on the wall clock is within the price-freshness limit', () => {
  const { pause } = setup()
  expect(pause.isLive(new Date(NOW - 4 * DAY))).toBe(true)
  expect(pause.isLive(new Date(NOW - 4 * DAY - 1))).toBe(false)
  expect(pause.liveFrom().toISOString()).toBe(new Date(NOW - 4 * DAY).toISOString())
})

test('only an outage failure of a bar too old to trade is held; live bars, answers and bad answers are written', async () => {
  const { pause, gauge } = setup()
  const old = new Date('2001-01-02T00:00:00Z')
  expect(pause.shouldHold(old, features(result(true, null)))).toBe(false)
  expect(pause.shouldHold(old, features(result(false, 'LLM_ERR_INVALID_JSON')))).toBe(false)
  expect(pause.shouldHold(new Date(NOW - 60_000), features(result(false, 'LLM_ERR_UNREACHABLE')))).toBe(false)
  expect(pause.active()).toBe(false)
  // A failed rationale alone is an outage too.
  expect(
    pause.shouldHold(old, features(result(true, null), result(false, 'LLM_ERR_CIRCUIT_OPEN', 'circuit open for x after 5 consecutive connection failures'))),
  ).toBe(true)
  expect(pause.active()).toBe(true)
  expect(await gauge()).toBe(1)
})

test('a single failure while the circuit is closed does not pause; pausing can be switched off', () => {
  const closed = setup()
  closed.set({ down: false })
  expect(closed.pause.shouldHold(new Date('2001-01-02T00:00:00Z'), features(result(false, 'LLM_ERR_TIMEOUT')))).toBe(false)
  const off = setup({ pause: false })
  expect(off.pause.shouldHold(new Date('2001-01-02T00:00:00Z'), features(result(false, 'LLM_ERR_UNREACHABLE')))).toBe(false)
  expect(off.pause.active()).toBe(false)
})

test('while paused, Lexi is probed through the client only when the circuit lets a call through, one probe at a time, and an answer resumes', async () => {
  const t = setup()
  t.pause.shouldHold(new Date('2001-01-02T00:00:00Z'), features(result(false, 'LLM_ERR_UNREACHABLE')))
  // Circuit open, cool-down running: nothing is sent.
  expect(await t.pause.tick()).toBe(false)
  expect(t.probes()).toBe(0)
  // Half-open: one probe, and no second one while it runs.
  t.set({ mayProbe: true })
  expect(await t.pause.tick()).toBe(false)
  expect(await t.pause.tick()).toBe(false)
  expect(t.probes()).toBe(1)
  // The probe failed (the circuit re-opens): still paused; the next half-open probes again.
  t.answer(false)
  await new Promise((resolve) => setImmediate(resolve))
  expect(await t.pause.tick()).toBe(false)
  expect(t.probes()).toBe(2)
  t.answer(true)
  await new Promise((resolve) => setImmediate(resolve))
  expect(await t.pause.tick()).toBe(true)
  expect(t.pause.active()).toBe(false)
  expect(await t.gauge()).toBe(0)
})

test('a circuit closed by another call (a live bar answered) resumes at once', async () => {
  const t = setup()
  t.pause.shouldHold(new Date('2001-01-02T00:00:00Z'), features(result(false, 'LLM_ERR_TIMEOUT')))
  t.set({ down: false })
  expect(await t.pause.tick()).toBe(true)
  expect(t.probes()).toBe(0)
})

test('outageReason names the cause a circuit-open error carries', () => {
  expect(outageReason(features(result(false, 'LLM_ERR_CIRCUIT_OPEN', 'any wording', 'LLM_ERR_TIMEOUT')))).toBe('timeout')
  expect(outageReason(features(result(false, 'LLM_ERR_CIRCUIT_OPEN', 'circuit open for a after 5 consecutive timeouts')))).toBe('circuit_open')
  expect(outageReason(features(result(false, 'LLM_ERR_UPSTREAM')))).toBe('upstream_error')
  expect(outageReason(features(result(false, 'LLM_ERR_CONTEXT_LENGTH')))).toBeNull()
})
