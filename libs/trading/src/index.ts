export { riskEnvSchema, loadRiskLimits, type RiskLimits } from './limits'
export { isRiskReducing, signedQty } from './is-risk-reducing'
export {
  checkTradingState,
  checkSymbol,
  checkQty,
  checkPriceFreshness,
  checkCollar,
  checkOrderNotional,
  checkPositionNotional,
  checkThrottle,
  RISK_CHECKS,
  type RiskCheckFn,
  type RiskCode,
} from './risk-checks'
export { runRiskChecks, type RiskResult } from './run-risk-checks'
export { applyFill, type PositionState } from './apply-fill'
export type { Broker, BrokerOrder, BrokerFill } from './broker'
export { createPaperBroker, type PaperBrokerOptions } from './paper-broker'
export { getPosition, listOpenPositions } from './positions-repo'
export { submitOrder } from './submit-order'
export { decideReduceOnly, decisionAllows } from './order-decision'
export { placeOrderInTx, type OrderRequest, type OrderOutcome } from './place-order'
export { getTradingState, setTradingState, resume, type TradingStateView, type StateChange, type ResumeChange } from './trading-state'
export type { StateChangeOptions } from './state-change'
export { createStateChangeQueue, type StateChangeQueue, type StateChangeQueueOptions } from './state-change-queue'
export type { TradingStateRow, PanicExitRow } from './trading-state-repo'
export { panicExit, startPanicExit, DEFAULT_HALT_PATIENCE_MS, type PanicExitOptions, type PanicExitResult, type PanicExitStart } from './panic-exit'
export { DEFAULT_FLATTEN_LOCK_TIMEOUT_MS, type PanicReport, type FlattenEntry } from './panic-steps'
export { shadowReport, type ShadowReport, type ShadowBucket } from './shadow-report'
export {
  TradingError,
  InvalidOrderError,
  TradingInputError,
  PanicExitRunningError,
  ResumeAcknowledgementRequiredError,
  TradingBusyError,
  BrokerError,
  TradingInvariantError,
  OrderNotFoundError,
} from './errors'
export type {
  TradingStateName,
  Side,
  RiskOrder,
  RiskContext,
  RiskCheck,
  RiskVerdict,
  OrderDecision,
  DecidedOrder,
  DecideOrder,
  DecisionStep,
  PositionRow,
  OrderRow,
} from './trading-types'
