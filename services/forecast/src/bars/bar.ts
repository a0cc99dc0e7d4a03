/** One OHLCV bar as the models and signals see it (ascending by ts in every array). */
export interface Bar {
  ts: Date
  open: number
  high: number
  low: number
  close: number
  volume: number
}

/** A bar with its symbol, as stored in market_bars. */
export interface BarRow extends Bar {
  symbol: string
}
