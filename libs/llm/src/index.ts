export * from './contract'
export * from './types'
export { evaluateGate, shrinkQty, type GateInput } from './gate/evaluate-gate'
export { toPolicyRecord, ungatedPolicyRecord } from './gate/to-policy-record'
export { gateFailReason } from './gate/fail-reason'
export { combinePolicySamples, samplePolicy, PolicySamplesError, type PolicyResult, type SampledPolicyResult } from './policy/sample-policy'
export { checkGrounding, isGrounded, citedNumbers, REFERENCE_LEVELS, type CitedNumber, type CitedUnit } from './grounding'
export type { RiskCheck, RiskVerdict, GateMode, GateStep, GateStepName, GateStepVerdict, GateVerdict, GateEffective, GateFailReason } from './gate/gate-types'
export * from './client'
export {
  loadPromptRegistry,
  defaultLockPath,
  type LoadedPromptRegistry,
  type LoadPromptRegistryOptions,
  type PromptVersion,
} from './registry/load-prompt-registry'
export { parseAbBuckets, abBucket, abUnitKey, armForBucket, AB_BUCKETS, type AbArm, type AbSplits } from './registry/ab-buckets'
export { PromptRegistryError, PromptConfigError, PromptLockError, PromptRenderError, UnknownPromptError, AbSpecError } from './registry/errors'
export { promptContentHash, shortHash } from './registry/content-hash'
export { renderDataValue, RENDER_LIMITS } from './registry/render-value'
export { HEALTH_PHRASE, PROMPT_CONTRACTS, SummaryInputsSchema } from './registry/prompt-contracts'
export type { LockStatus, LockEntryStatus } from './registry/prompt-lock'
export * from './canary'
