import { describe, expect, test } from 'vitest'
import { parseBarsCsv, type ParsedBars } from '../src/bars/parse-bars-csv'

/**
 * Real-world layouts, each written by hand from its provider's documented format (the values are
 * made up or rounded; no file was copied). Each test asserts the exact row count and the first and
 * last timestamps as they would be stored.
 */
const read = (text: string, symbol?: string): ParsedBars => parseBarsCsv(text, { defaultSymbol: 'SPX', symbol })
const span = (p: ParsedBars): [number, string | undefined, string | undefined] => [p.rows.length, p.rows[0]?.ts.toISOString(), p.rows.at(-1)?.ts.toISOString()]

describe('real-world layouts', () => {
  test('R timeSeries (write.csv of a timeSeries: ";" and the date format string as the first header)', () => {
    const csv = [
      '"%Y-%m-%d";"Open";"High";"Low";"Close";"Volume"',
      '2020-01-02;3244.67;3258.14;3235.53;3257.85;3458250000',
      '2020-01-03;3226.36;3246.15;3222.34;3234.85;3461290000',
      '2020-01-06;3217.55;3246.84;3214.64;3246.28;3674070000',
      '2020-01-07;3241.86;3244.91;3232.43;3237.18;3420380000',
      '2020-01-08;3238.59;3267.07;3236.67;3253.05;3720890000',
      '',
    ].join('\n')
    const p = read(csv)
    expect(p.problems).toEqual([])
    expect(p.delimiter).toBe(';')
    expect(p.layout.tsFoundBy).toBe('header format')
    expect(span(p)).toEqual([5, '2020-01-02T00:00:00.000Z', '2020-01-08T00:00:00.000Z'])
    expect(p.rows[0]).toMatchObject({ open: 3244.67, high: 3258.14, low: 3235.53, close: 3257.85, volume: 3458250000 })
  })

  test('R with a day-first format header and decimal commas (write.csv2: "%d/%m/%Y", quantmod column names)', () => {
    const csv = [
      '"%d/%m/%Y";"GSPC.Open";"GSPC.High";"GSPC.Low";"GSPC.Close";"GSPC.Volume";"GSPC.Adjusted"',
      '"02/01/2020";3244,67;3258,14;3235,53;3257,85;3458250000;3257,85',
      '"03/01/2020";3226,36;3246,15;3222,34;3234,85;3461290000;3234,85',
      '"31/01/2020";3282,33;3282,33;3214,68;3225,52;4527830000;3225,52',
    ].join('\r\n')
    const p = read(csv, 'GSPC')
    expect(p.problems).toEqual([])
    expect(p.columns).toMatchObject({ ts: '%d/%m/%Y', open: 'GSPC.Open', close: 'GSPC.Close', adjclose: 'GSPC.Adjusted' })
    expect(span(p)).toEqual([3, '2020-01-02T00:00:00.000Z', '2020-01-31T00:00:00.000Z'])
    expect(p.rows[2]).toMatchObject({ symbol: 'GSPC', open: 3282.33, low: 3214.68, close: 3225.52 })
  })

  test('Yahoo Finance download (Date,Open,High,Low,Close,Adj Close,Volume): Adj Close is ignored, Close kept', () => {
    const csv = [
      'Date,Open,High,Low,Close,Adj Close,Volume',
      '2020-01-02,74.059998,75.150002,73.797501,75.087502,72.960464,135480400',
      '2020-01-03,74.287498,75.144997,74.125000,74.357498,72.251137,146322800',
      '2020-01-06,73.447502,74.989998,73.187500,74.949997,72.826843,118387200',
      '2020-01-07,74.959999,75.224998,74.370003,74.597504,72.484337,108872000',
      '2020-01-08,74.290001,76.110001,74.290001,75.797501,73.650360,132079200',
      '2020-01-09,76.809998,77.607498,76.550003,77.407501,75.214722,170108400',
    ].join('\n')
    const p = read(csv, 'AAPL')
    expect(p.problems).toEqual([])
    expect(span(p)).toEqual([6, '2020-01-02T00:00:00.000Z', '2020-01-09T00:00:00.000Z'])
    expect(p.rows[0]).toMatchObject({ close: 75.087502, volume: 135480400 })
    expect(p.layout.columns.adjclose?.name).toBe('Adj Close')
  })

  test('Stooq bulk ASCII (<TICKER>,<PER>,<DATE>,<TIME>,...,<OPENINT>): YYYYMMDD + HHMMSS joined, symbol from <TICKER>', () => {
    const csv = [
      '<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>',
      'AAPL.US,D,20200102,000000,74.06,75.15,73.7975,75.0875,135480400,0',
      'AAPL.US,D,20200103,000000,74.2875,75.145,74.125,74.3575,146322800,0',
      'AAPL.US,D,20200106,000000,73.4475,74.99,73.1875,74.95,118387200,0',
      'AAPL.US,D,20200107,000000,74.96,75.225,74.37,74.5975,108872000,0',
    ].join('\n')
    const p = read(csv)
    expect(p.problems).toEqual([])
    expect(p.layout.time?.name).toBe('<TIME>')
    expect(p.layout.ignored).toEqual(['<PER>', '<OPENINT>'])
    expect(span(p)).toEqual([4, '2020-01-02T00:00:00.000Z', '2020-01-07T00:00:00.000Z'])
    expect(p.rows.every((r) => r.symbol === 'AAPL.US')).toBe(true)
  })

  test('pandas DataFrame.to_csv() with its unnamed, tz-aware DatetimeIndex as the first column (found by content)', () => {
    const csv = [
      ',Open,High,Low,Close,Volume,Dividends,Stock Splits',
      '2020-01-02 00:00:00-05:00,72.5,73.6,72.3,73.6,135480400,0.0,0.0',
      '2020-01-03 00:00:00-05:00,72.7,73.6,72.6,72.9,146322800,0.0,0.0',
      '2020-01-06 00:00:00-05:00,72.0,73.5,71.7,73.4,118387200,0.0,0.0',
      '2020-01-07 00:00:00-05:00,73.4,73.7,72.9,73.1,108872000,0.0,0.0',
      '2020-01-08 00:00:00-05:00,72.8,74.6,72.8,74.3,132079200,0.0,0.0',
    ].join('\n')
    const p = read(csv, 'AAPL')
    expect(p.problems).toEqual([])
    expect(p.layout.tsFoundBy).toBe('content')
    expect(p.layout.columns.ts).toEqual({ index: 0, name: '' })
    expect(p.layout.ignored).toEqual(['Dividends', 'Stock Splits'])
    expect(span(p)).toEqual([5, '2020-01-02T05:00:00.000Z', '2020-01-08T05:00:00.000Z'])
  })

  test('pandas to_csv() with the default RangeIndex column: the integer index is ignored, not taken for a timestamp', () => {
    const csv = [
      ',timestamp,open,high,low,close,volume',
      '0,2024-03-08 14:30:00+00:00,5123.1,5124.9,5120.2,5121.0,1200',
      '1,2024-03-08 14:31:00+00:00,5121.0,5122.4,5119.8,5122.0,900',
      '2,2024-03-08 14:32:00+00:00,5122.0,5126.3,5121.7,5126.1,1500',
    ].join('\n')
    const p = read(csv)
    expect(p.problems).toEqual([])
    expect(p.columns.ts).toBe('timestamp')
    expect(span(p)).toEqual([3, '2024-03-08T14:30:00.000Z', '2024-03-08T14:32:00.000Z'])
  })

  test('intraday broker export, tab-separated, ISO 8601 with offsets across the US daylight-saving change', () => {
    const csv = [
      'time\topen\thigh\tlow\tclose\tvolume',
      '2024-03-08T15:50:00-05:00\t512.10\t512.40\t511.90\t512.30\t120000',
      '2024-03-08T15:55:00-05:00\t512.30\t512.80\t512.20\t512.75\t310000',
      '2024-03-11T09:30:00-04:00\t511.00\t511.60\t510.40\t511.20\t450000',
      '2024-03-11T09:35:00-04:00\t511.20\t511.90\t511.10\t511.85\t280000',
    ].join('\n')
    const p = read(csv, 'SPY')
    expect(p.problems).toEqual([])
    expect(p.delimiter).toBe('\t')
    expect(p.layout.tsKind).toBe('datetime')
    expect(span(p)).toEqual([4, '2024-03-08T20:50:00.000Z', '2024-03-11T13:35:00.000Z'])
  })

  test('epoch milliseconds (ccxt fetch_ohlcv saved with pandas to_csv(index=False))', () => {
    const csv = [
      'timestamp,open,high,low,close,volume',
      '1704067200000,42283.58,42554.57,42261.02,42475.23,1271.68108',
      '1704070800000,42475.23,42775.00,42431.65,42613.56,1196.37856',
      '1704074400000,42613.57,42638.41,42500.00,42581.10,685.21250',
      '1704078000000,42581.09,42586.64,42410.92,42499.46,654.62107',
    ].join('\n')
    const p = read(csv, 'BTC/USDT')
    expect(p.problems).toEqual([])
    expect(p.layout.tsKind).toBe('epoch_ms')
    expect(span(p)).toEqual([4, '2024-01-01T00:00:00.000Z', '2024-01-01T03:00:00.000Z'])
  })

  test('epoch seconds in an unnamed first column', () => {
    const p = read(',o,h,l,c,v\n1709906400,1,2,0.5,1.5,10\n1709906460,1.5,2,1,1.8,12\n')
    expect(p.layout.tsKind).toBe('epoch_s')
    expect(span(p)).toEqual([2, '2024-03-08T14:00:00.000Z', '2024-03-08T14:01:00.000Z'])
  })

  test('Alpha Vantage TIME_SERIES_DAILY csv: newest first, with an exact duplicate line from a concatenated download', () => {
    const csv = [
      'timestamp,open,high,low,close,volume',
      '2024-03-08,5123.69,5189.26,5117.50,5157.36,5260280000',
      '2024-03-07,5132.38,5165.62,5128.21,5157.36,4137980000',
      '2024-03-07,5132.38,5165.62,5128.21,5157.36,4137980000',
      '2024-03-06,5108.03,5127.97,5092.22,5104.76,4559050000',
      '2024-03-05,5110.52,5114.59,5056.82,5078.65,4418410000',
    ].join('\n')
    const p = read(csv)
    expect(p.problems).toEqual([])
    expect(p.order).toBe('descending')
    expect(p.duplicates).toEqual([{ line: 4, of: 3 }])
    expect(span(p)).toEqual([4, '2024-03-05T00:00:00.000Z', '2024-03-08T00:00:00.000Z'])
  })

  test('MetaTrader 5 export: tab-separated <DATE> (yyyy.mm.dd) and <TIME> columns, <TICKVOL> and <SPREAD> ignored', () => {
    const csv = [
      '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>',
      '2024.03.08\t09:00:00\t1.09420\t1.09455\t1.09390\t1.09441\t1520\t0\t1',
      '2024.03.08\t10:00:00\t1.09441\t1.09502\t1.09410\t1.09480\t1877\t0\t1',
      '2024.03.08\t11:00:00\t1.09480\t1.09515\t1.09433\t1.09470\t1633\t0\t1',
    ].join('\n')
    const p = read(csv, 'EURUSD')
    expect(p.problems).toEqual([])
    expect(p.layout.ignored).toEqual(['<TICKVOL>', '<SPREAD>'])
    expect(span(p)).toEqual([3, '2024-03-08T09:00:00.000Z', '2024-03-08T11:00:00.000Z'])
  })

  test("pipe-separated database dump (COPY ... WITH (FORMAT csv, DELIMITER '|', HEADER)) with a symbol column and +00 offsets", () => {
    const csv = [
      'symbol|ts|open|high|low|close|volume',
      'AAA|2024-03-08 14:30:00+00|10|11|9.5|10.5|100',
      'BBB|2024-03-08 14:30:00+00|20|21|19.5|20.5|200',
      'AAA|2024-03-08 14:31:00+00|10.5|11|10|10.8|150',
      '"BBB"|"2024-03-08 14:31:00+00"|20.5|21|20|20.2|120',
    ].join('\n')
    const p = read(csv)
    expect(p.problems).toEqual([])
    expect(p.delimiter).toBe('|')
    expect(span(p)).toEqual([4, '2024-03-08T14:30:00.000Z', '2024-03-08T14:31:00.000Z'])
    expect(p.rows.map((r) => r.symbol)).toEqual(['AAA', 'BBB', 'AAA', 'BBB'])
  })

  test('Excel "sep=;" first line and a quoted field holding the separator', () => {
    const p = read('sep=;\n"Date";"Open";"High";"Low";"Close";"Note"\n2024-03-08;1;2;0,5;1,5;"a;b"\n')
    expect(p.problems).toEqual([])
    expect(p.layout.ignored).toEqual(['Note'])
    expect(span(p)).toEqual([1, '2024-03-08T00:00:00.000Z', '2024-03-08T00:00:00.000Z'])
    expect(p.rows[0]).toMatchObject({ low: 0.5, close: 1.5 })
  })
})

describe('what is not read', () => {
  test('a date that does not match the header format names the line and the format', () => {
    const p = read('"%Y-%m-%d";Open;High;Low;Close\n2020-01-02;1;2;0.5;1.5\n02.01.2020;1;2;0.5;1.5\n')
    expect(p.problems).toEqual([{ line: 3, message: 'date "02.01.2020" does not match the header\'s format "%Y-%m-%d"' }])
  })

  test('a file where no column holds dates says how the timestamp is found', () => {
    expect(() => read('when,open,high,low,close\nmonday,1,2,0.5,1.5\n')).toThrow(/missing column\(s\) ts .*found by name \(date, ts, time/)
  })

  test('a file without a header line (Binance kline dumps) is told it needs one', () => {
    expect(() => read('1704067200000,42283.58,42554.57,42261.02,42475.23,1271.68108\n1704070800000,42475.23,42775.00,42431.65,42613.56,1196.37856\n')).toThrow(
      /the first line looks like data: the file needs a header line such as date,open,high,low,close,volume/,
    )
  })

  test('an unknown directive in a format header is refused by name', () => {
    expect(() => read('"%Y-%j";Open;High;Low;Close\n2020-001;1;2;0.5;1.5\n')).toThrow(/uses %j/)
  })
})
