export { createCanaryMonitor, type ArmOutcome, type ArmStats, type CanaryMonitor, type CanaryOptions } from './canary-monitor'
export { DEFAULT_SPRT, expectedSamplesToStop, sprt, sprtThreshold, type SprtInput, type SprtOptions, type SprtVerdict } from './sprt'
