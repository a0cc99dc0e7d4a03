import type { Logger } from 'pino'
import type { Engine } from './engine'
import type { RateFault, SimFaults } from './faults'
import type { RateGate } from './rate-gate'
import type { SimMetrics } from './metrics'
import type { ResolvedOptions } from './options'
import type { Scheduler } from './scheduler'
import type { SimStats } from './stats'
import type { VersionBehaviour } from './versions'

/** Everything a route handler of one simulator instance needs. */
export interface SimContext {
  opts: ResolvedOptions
  behaviour: VersionBehaviour
  faults: () => SimFaults
  gates: Record<RateFault, RateGate>
  engine: Engine
  scheduler: Scheduler
  stats: SimStats
  metrics: SimMetrics
  logger: Logger
}
