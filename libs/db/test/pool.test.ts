import pg from 'pg'
import { expect, test } from 'vitest'
import { createPool } from '@pulsetrade/db'
import { testDatabase } from '../../../test/db'

const db = await testDatabase()

test('a pool reads bigint and numeric as numbers', async () => {
  const { rows } = await db.pool.query('SELECT 42::int8 AS id, 1.25::numeric AS price, count(*) AS n FROM (VALUES (1), (2)) v')
  expect(rows).toEqual([{ id: 42, price: 1.25, n: 2 }])
})

test("importing and using the pool leaves pg's process-wide parsers alone", async () => {
  const pool = createPool({ connectionString: db.url, max: 1 })
  try {
    await pool.query('SELECT 1')
  } finally {
    await pool.end()
  }
  expect(pg.types.getTypeParser(20, 'text')('42')).toBe('42')
  expect(pg.types.getTypeParser(1700, 'text')('1.25')).toBe('1.25')
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    const { rows } = await client.query('SELECT 42::int8 AS id, 1.25::numeric AS price')
    expect(rows).toEqual([{ id: '42', price: '1.25' }])
  } finally {
    await client.end()
  }
})
