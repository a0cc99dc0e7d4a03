import { createAr1Model } from './ar1'
import { createEwmaMomentumModel } from './ewma-momentum'
import type { ForecastModel } from './model'
import { createRandomWalkModel } from './random-walk'

export const MODEL_NAMES = ['ewma', 'ar1', 'rw'] as const
export type ModelName = (typeof MODEL_NAMES)[number]

/** Every model by its short name; the first is the default primary model. */
export function createModelRegistry(): Record<ModelName, ForecastModel> {
  return { ewma: createEwmaMomentumModel(), ar1: createAr1Model(), rw: createRandomWalkModel() }
}
