import { describe, expect, test } from 'vitest'
import { detectDelimiter, parseBarsCsv } from '../src/bars/parse-bars-csv'
import { parseTimestamp } from '../src/bars/parse-timestamp'

const opts = { defaultSymbol: 'SPX' }

describe('parseBarsCsv', () => {
  test('reads the bundled layout (date, open, high, low, close, adjclose, volume)', () => {
    const csv = 'date,open,high,low,close,adjclose,volume\n2000-01-03,10,12,9,11,11,100\n2000-01-04,11,13,10,12,12,200\n'
    const out = parseBarsCsv(csv, opts)
    expect(out.problems).toEqual([])
    expect(out.rows).toEqual([
      { symbol: 'SPX', ts: new Date('2000-01-03T00:00:00Z'), open: 10, high: 12, low: 9, close: 11, volume: 100 },
      { symbol: 'SPX', ts: new Date('2000-01-04T00:00:00Z'), open: 11, high: 13, low: 10, close: 12, volume: 200 },
    ])
  })

  test('accepts semicolons, quoted headers with aliases and epoch timestamps', () => {
    const csv = '"Timestamp";"Open";"High";"Low";"Close";"Volume"\n946857600;10;12;9;11;5\n946944000000;11;13;10;12;6\n'
    const out = parseBarsCsv(csv, { ...opts, symbol: 'ACME' })
    expect(out.delimiter).toBe(';')
    expect(out.problems).toEqual([])
    expect(out.rows.map((r) => [r.symbol, r.ts.toISOString()])).toEqual([
      ['ACME', '2000-01-03T00:00:00.000Z'],
      ['ACME', '2000-01-04T00:00:00.000Z'],
    ])
  })

  test('maps "Adj Close" and adj_close: ignored by default, scales OHLC by adjusted/close with adjust', () => {
    const ignored = parseBarsCsv('ts,open,high,low,close,Adj Close\n2020-01-02,20,22,18,20,10\n', opts)
    expect(ignored.rows[0]).toMatchObject({ open: 20, high: 22, low: 18, close: 20, volume: 0 })
    expect(ignored.columns.adjclose).toBe('Adj Close')
    const a = parseBarsCsv('ts,open,high,low,close,Adj Close\n2020-01-02,20,22,18,20,10\n', { ...opts, adjust: true })
    expect(a.rows[0]).toMatchObject({ open: 10, high: 11, low: 9, close: 10, volume: 0 })
    const b = parseBarsCsv('date,open,high,low,adj_close\n2020-01-02,20,22,18,21\n', opts)
    expect(b.rows[0]).toMatchObject({ close: 21 })
  })

  test('reports each bad row with its line number, drops exact duplicate lines, and keeps the good ones', () => {
    const csv = [
      'date,open,high,low,close,volume',
      '2000-01-03,10,12,9,11,100',
      '2000-13-45,10,12,9,11,100',
      '2000-01-05,10,abc,9,11,100',
      '2000-01-06,10,8,9,11,100',
      '',
      '2000-01-07,10,12,9,11',
      '2000-01-03,10,12,9,11,100',
      '2000-01-03,10,12,9,11.5,100',
    ].join('\n')
    const out = parseBarsCsv(csv, opts)
    expect(out.rows).toHaveLength(1)
    expect(out.duplicates).toEqual([{ line: 8, of: 2 }])
    expect(out.problems.map((p) => p.line)).toEqual([3, 4, 5, 7, 9])
    expect(out.problems[0]?.message).toMatch(/date "2000-13-45"/)
    expect(out.problems[1]?.message).toMatch(/high "abc" is not a number/)
    expect(out.problems[2]?.message).toMatch(/high 8 is below/)
    expect(out.problems[3]?.message).toMatch(/expected 6 fields, got 5/)
    expect(out.problems[4]?.message).toMatch(/duplicate of line 2 \(SPX 2000-01-03T00:00:00.000Z\) with different values/)
  })

  test('refuses a header without the required columns', () => {
    expect(() => parseBarsCsv('day,open,high,low,close\n', opts)).toThrow(/missing column\(s\) ts/)
  })

  test('takes the symbol from a symbol column unless --symbol is given', () => {
    const csv = 'ticker,date,open,high,low,close\nAAA,2000-01-03,1,1,1,1\nBBB,2000-01-03,1,1,1,1\n'
    expect(parseBarsCsv(csv, opts).rows.map((r) => r.symbol)).toEqual(['AAA', 'BBB'])
    expect(parseBarsCsv(csv, { ...opts, symbol: 'X' }).problems[0]?.message).toMatch(/duplicate/)
  })
})

describe('parseTimestamp', () => {
  test('reads ISO dates, ISO date-times with and without offsets, and epoch seconds or milliseconds', () => {
    expect(parseTimestamp('2020-02-29')?.toISOString()).toBe('2020-02-29T00:00:00.000Z')
    expect(parseTimestamp('2020-02-29T15:30:00')?.toISOString()).toBe('2020-02-29T15:30:00.000Z')
    expect(parseTimestamp('2020-02-29 15:30:00+02:00')?.toISOString()).toBe('2020-02-29T13:30:00.000Z')
    expect(parseTimestamp('1582934400')?.toISOString()).toBe('2020-02-29T00:00:00.000Z')
    expect(parseTimestamp('1582934400000')?.toISOString()).toBe('2020-02-29T00:00:00.000Z')
  })

  test('rejects impossible dates and other text', () => {
    expect(parseTimestamp('2021-02-30')).toBeNull()
    expect(parseTimestamp('03/01/2020')).toBeNull()
    expect(parseTimestamp('')).toBeNull()
  })
})

test('detectDelimiter ignores separators inside quotes', () => {
  expect(detectDelimiter('"a;b;c",d,e\n1,2,3')).toBe(',')
  expect(detectDelimiter('a;b;c\n1;2;3')).toBe(';')
})
