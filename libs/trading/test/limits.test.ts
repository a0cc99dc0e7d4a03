import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { loadRiskLimits, riskEnvSchema } from '../src/limits'

describe('riskEnvSchema', () => {
  test('an empty env gives the documented defaults', () => {
    expect(loadRiskLimits({})).toEqual({
      RISK_SYMBOL_ALLOWLIST: ['SPX'],
      RISK_LOT_SIZE: 1,
      RISK_MAX_QTY: 1000,
      RISK_MAX_ORDER_NOTIONAL: 250_000,
      RISK_MAX_POSITION_NOTIONAL: 1_000_000,
      RISK_MAX_PRICE_AGE_MS: 345_600_000,
      RISK_COLLAR_BPS: 500,
      RISK_MAX_ORDERS_PER_MIN: 600,
      PAPER_SLIPPAGE_BPS: 1,
    })
  })

  test('parses strings from the environment; the allow-list is a trimmed comma list; blanks take defaults', () => {
    const l = loadRiskLimits({ RISK_SYMBOL_ALLOWLIST: ' SPX, QQQ ,,IWM', RISK_LOT_SIZE: '0.5', RISK_COLLAR_BPS: '', RISK_MAX_ORDERS_PER_MIN: '5' })
    expect(l.RISK_SYMBOL_ALLOWLIST).toEqual(['SPX', 'QQQ', 'IWM'])
    expect(l).toMatchObject({ RISK_LOT_SIZE: 0.5, RISK_COLLAR_BPS: 500, RISK_MAX_ORDERS_PER_MIN: 5 })
  })

  test.each([
    ['RISK_LOT_SIZE', '0'],
    ['RISK_MAX_QTY', 'lots'],
    ['RISK_MAX_ORDERS_PER_MIN', '1.5'],
    ['PAPER_SLIPPAGE_BPS', '-1'],
    ['RISK_SYMBOL_ALLOWLIST', ','],
  ])('rejects %s=%s naming the variable', (key, value) => {
    const r = riskEnvSchema.safeParse({ [key]: value })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.path).toEqual([key])
  })

  test('merges into a service env schema', () => {
    const Env = z.object({ PORT: z.coerce.number().default(8004) }).extend(riskEnvSchema.shape)
    expect(Env.parse({ RISK_MAX_QTY: '10' })).toMatchObject({ PORT: 8004, RISK_MAX_QTY: 10, RISK_SYMBOL_ALLOWLIST: ['SPX'] })
  })
})
