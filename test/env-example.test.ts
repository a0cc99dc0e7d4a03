import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { expect, test } from 'vitest'
import { riskEnvSchema } from '@pulsetrade/trading'
import { AdminEnv } from '@pulsetrade/admin/config'
import { AnalyticsEnv } from '@pulsetrade/analytics/config'
import { ApiEnv } from '@pulsetrade/api/config'
import { ForecastEnv } from '@pulsetrade/forecast/config'
import { LEXI_HOST_ENV } from '../scripts/lexi-cmd'

// libs/config/test/env-example.test.ts covers the shared knobs; this covers each service's own.
const listed = new Set(Object.keys(parseEnv(readFileSync(new URL('../.env.example', import.meta.url), 'utf8'))))
/** Set per service by make run and compose (API_PORT etc. are the listed knobs). */
const PER_PROCESS = new Set(['PORT'])

test.each([
  ['admin', AdminEnv.shape],
  ['analytics', AnalyticsEnv.shape],
  ['api', ApiEnv.shape],
  ['forecast', ForecastEnv.shape],
  ['forecast risk limits', riskEnvSchema.shape],
  ['make lexi-cmd', LEXI_HOST_ENV],
])('.env.example lists every knob of %s', (_name, shape) => {
  expect(Object.keys(shape).filter((k) => !PER_PROCESS.has(k) && !listed.has(k))).toEqual([])
})
