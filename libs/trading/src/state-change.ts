import { withTransaction, type Db, type DbClient } from '@pulsetrade/db'
import type { StateChangeQueue } from './state-change-queue'
import { lockTradingState, type TradingStateRow } from './trading-state-repo'

/** How a state change waits for the trading_state table lock. */
export interface StateChangeOptions {
  /** This process's state changes go through it one at a time, before they take a connection. */
  queue?: StateChangeQueue
  /** Longest wait for the table lock (TradingBusyError after it); with `queue`, what is left of its budget if less. */
  lockTimeoutMs?: number
}

/** Runs fn through the queue (when given) with the lock timeout to use. */
export async function queued<T>(opts: StateChangeOptions, fn: (lockTimeoutMs: number | undefined) => Promise<T>): Promise<T> {
  if (!opts.queue) return fn(opts.lockTimeoutMs)
  return opts.queue.run((left) => fn(opts.lockTimeoutMs === undefined ? left : Math.min(left, opts.lockTimeoutMs)))
}

/** fn in a transaction that holds the trading_state table lock (`lockTradingState(tx, 'update')`). */
export async function withStateLock<T>(db: Db, opts: StateChangeOptions, fn: (tx: DbClient, before: TradingStateRow) => Promise<T>): Promise<T> {
  return queued(opts, (lockTimeoutMs) => withTransaction(db, async (tx) => fn(tx, await lockTradingState(tx, 'update', lockTimeoutMs))))
}
