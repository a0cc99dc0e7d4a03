export { createLlmClient, type LlmClientInstance, type LlmClientStats } from './create-llm-client'
export type { LlmClientOptions } from './client-options'
export type { StructuredResult } from './structured'
export {
  LlmError,
  LlmTimeoutError,
  LlmUnreachableError,
  LlmContextLengthError,
  LlmCircuitOpenError,
  LlmInvalidJsonError,
  LlmQueueFullError,
  LlmUpstreamError,
  LlmRateLimitError,
  LlmBadRequestError,
  LlmAuthError,
  LlmModelNotFoundError,
  LlmPromptTooLongError,
  LlmAbortedError,
  LlmPriorityUnsupportedError,
  LLM_ERROR_TEXT,
  type TimeoutPhase,
  type UpstreamOpening,
} from './errors'
export {
  LLM_ERRORS,
  LLM_ERROR_CODES,
  failReasonOf,
  isLlmErrorCode,
  llmErrorSpec,
  outcomeOf,
  type FailReason,
  type LlmErrorCode,
  type LlmErrorData,
  type LlmErrorSpec,
  type ThrownLlmError,
} from './error-table'
export type { Diagnosis } from './diagnose'
export { toLlmError, type FailureInput } from './to-llm-error'
export { estimatePromptTokens } from './prompt-budget'
export { KEY_SCHEMA_VERSION, cacheKeyOf, isDeterministic, type EffectiveRequest } from './response-cache'
export { clientOptionsFromEnv, type LlmEnvSettings } from './options-from-env'
export { PRIORITY_CLASSES, VLLM_PRIORITY, DEFAULT_PRIORITY_CLASS, isPriorityClass, type LlmPriorityClass } from './priority-class'
export { createHealthProbe, type HealthProbe, type HealthProbeOptions, type HealthSnapshot, type HealthState } from './health-probe'
