import { beforeEach, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { TradingBusyError, TradingInputError } from '../src/errors'
import { getTradingState, resume, setTradingState } from '../src/trading-state'
import { resetTrading } from './fixtures'

const db = await testDatabase()
beforeEach(async () => {
  await resetTrading(db.pool)
})

test('starts ACTIVE; every change is audited with actor, action and reason', async () => {
  expect(await getTradingState(db.pool)).toMatchObject({ state: 'ACTIVE', exit_id: null, exit: null })
  await setTradingState(db.pool, { state: 'REDUCING', actor: 'risk-desk', reason: 'drawdown limit' })
  await setTradingState(db.pool, { state: 'HALTED', actor: 'risk-desk', reason: 'feed outage' })
  expect(await getTradingState(db.pool)).toMatchObject({ state: 'HALTED', changed_by: 'risk-desk', reason: 'feed outage' })
  await setTradingState(db.pool, { state: 'ACTIVE', actor: 'ops', reason: 'feed back' })
  const { rows } = await db.pool.query("SELECT actor, action, reason, details->>'to' AS to FROM audit_log ORDER BY id")
  expect(rows).toEqual([
    { actor: 'risk-desk', action: 'trading.set_state', reason: 'drawdown limit', to: 'REDUCING' },
    { actor: 'risk-desk', action: 'trading.set_state', reason: 'feed outage', to: 'HALTED' },
    { actor: 'ops', action: 'trading.resume', reason: 'feed back', to: 'ACTIVE' },
  ])
})

test('a change without actor or reason is refused', async () => {
  await expect(setTradingState(db.pool, { state: 'HALTED', actor: '', reason: 'x' })).rejects.toBeInstanceOf(TradingInputError)
  await expect(resume(db.pool, { actor: 'ops', reason: ' ' })).rejects.toBeInstanceOf(TradingInputError)
  expect((await getTradingState(db.pool)).state).toBe('ACTIVE')
})

test('a change that cannot get the trading_state lock within lockTimeoutMs is refused as busy and changes nothing', async () => {
  const holder = await db.pool.connect()
  try {
    await holder.query('BEGIN')
    await holder.query('SELECT state FROM trading_state WHERE id FOR SHARE') // an order placement that does not finish
    const t0 = Date.now()
    await expect(setTradingState(db.pool, { state: 'HALTED', actor: 'ops', reason: 'feed outage' }, { lockTimeoutMs: 200 })).rejects.toBeInstanceOf(
      TradingBusyError,
    )
    await expect(resume(db.pool, { actor: 'ops', reason: 'feed back' }, { lockTimeoutMs: 200 })).rejects.toMatchObject({
      code: 'TRADING_ERR_BUSY',
      statusCode: 503,
    })
    expect(Date.now() - t0).toBeLessThan(3000)
  } finally {
    await holder.query('ROLLBACK')
    holder.release()
  }
  expect(await getTradingState(db.pool)).toMatchObject({ state: 'ACTIVE' })
  expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(0)
  expect(await setTradingState(db.pool, { state: 'HALTED', actor: 'ops', reason: 'feed outage' }, { lockTimeoutMs: 200 })).toMatchObject({ state: 'HALTED' })
})
