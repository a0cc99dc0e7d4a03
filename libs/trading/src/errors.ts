/** Typed errors of libs/trading. HTTP-facing ones carry the statusCode a route should answer. */
export class TradingError extends Error {
  code = 'TRADING_ERR'
  statusCode = 500
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** The order itself is malformed (non-finite or non-positive qty, unknown side ...). */
export class InvalidOrderError extends TradingError {
  override code = 'TRADING_ERR_INVALID_ORDER'
  override statusCode = 400
}

/** A state change or panic exit was asked for without an actor or a reason. */
export class TradingInputError extends TradingError {
  override code = 'TRADING_ERR_INPUT'
  override statusCode = 400
}

/** Resume refused: a panic exit is still flattening positions. */
export class PanicExitRunningError extends TradingError {
  override code = 'TRADING_ERR_PANIC_RUNNING'
  override statusCode = 409
  constructor(readonly exitId: string) {
    super(`panic exit ${exitId} is still running; resume when it has finished`)
  }
}

/**
 * Resume refused: the panic exit behind the HALT did not finish (`failed`, or its runner died), so
 * positions may still be open. Resume again with the acknowledgement to re-arm anyway.
 */
export class ResumeAcknowledgementRequiredError extends TradingError {
  override code = 'TRADING_ERR_ACK_REQUIRED'
  override statusCode = 409
  constructor(
    readonly exitId: string,
    readonly exitStatus: string,
    readonly openPositions: Array<{ symbol: string; qty: number }>,
  ) {
    super(
      `panic exit ${exitId} did not finish (${exitStatus}); ${openPositions.length} position(s) still open` +
        `${
          openPositions.length > 0
            ? ` (${openPositions
                .slice(0, 20)
                .map((p) => `${p.symbol} ${p.qty}`)
                .join(', ')}${openPositions.length > 20 ? ', …' : ''})`
            : ''
        }` +
        '; resume again with the acknowledgement to re-arm anyway',
    )
  }
}

/** The broker could not execute an order (the paper broker: no usable price). */
export class BrokerError extends TradingError {
  override code = 'TRADING_ERR_BROKER'
}

/**
 * A state change could not get the trading_state lock within its time budget (too many state
 * changes queued, or the lock held elsewhere). Nothing was changed; retry after `retryAfterMs`.
 */
export class TradingBusyError extends TradingError {
  override code = 'TRADING_ERR_BUSY'
  override statusCode = 503
  constructor(
    message: string,
    readonly retryAfterMs = 1000,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** A row the schema guarantees is missing (trading_state not migrated, a locked row gone): a bug or a broken database. */
export class TradingInvariantError extends TradingError {
  override code = 'TRADING_ERR_INVARIANT'
}

/** No order with this id (callers pass ids they just wrote, so this is a bug, not a request's fault). */
export class OrderNotFoundError extends TradingError {
  override code = 'TRADING_ERR_ORDER_NOT_FOUND'
  constructor(readonly orderId: number) {
    super(`order ${orderId} not found`)
  }
}
