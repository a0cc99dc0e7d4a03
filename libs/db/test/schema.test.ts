import { expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'

const db = await testDatabase()

test('forecasts are unique on (symbol, asof, horizon, model_version)', async () => {
  const insert = `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features)
    VALUES ('SPX', '2020-01-02', 1, 'ewma-1', 0, 0.01, 0.5, -0.02, 0.02, '{}')`
  await db.pool.query(insert)
  await expect(db.pool.query(insert)).rejects.toThrow(/duplicate key/)
})

test('trading_state is a singleton that starts ACTIVE', async () => {
  const { rows } = await db.pool.query('SELECT state FROM trading_state')
  expect(rows).toEqual([{ state: 'ACTIVE' }])
  await expect(db.pool.query(`INSERT INTO trading_state (id, state) VALUES (false, 'HALTED')`)).rejects.toThrow()
})
